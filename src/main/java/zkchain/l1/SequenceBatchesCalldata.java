package zkchain.l1;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.DynamicStruct;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * The calldata of {@code sequenceBatches(BatchData[] batches, address l2Coinbase)}: where nodes read
 * the batch data of a {@code SequenceBatches} event (PROTOCOL.md §5). L1 calldata is not under the
 * node's control, so {@link #decode} never throws: anything that is not such a call decodes to
 * {@link Invalid} with the reason.
 */
public final class SequenceBatchesCalldata {
  private SequenceBatchesCalldata() {}

  public static final String SIGNATURE = "sequenceBatches((bytes,uint64)[],address)";
  private static final byte[] SELECTOR =
      Arrays.copyOf(Hash.sha3(SIGNATURE.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 4);

  /** The 4-byte function selector of {@link #SIGNATURE}. */
  public static byte[] selector() {
    return SELECTOR.clone();
  }

  /** What {@link #decode} makes of an L1 transaction's input. */
  public sealed interface Decoded permits Valid, Invalid {}

  /** A well-formed call: the batches in order and the coinbase of all of them (lowercase 0x-hex). */
  public record Valid(List<BatchData> batches, String l2Coinbase) implements Decoded {
    public Valid {
      batches = List.copyOf(batches);
    }
  }

  /** Bytes that are not a sequenceBatches call, and why. */
  public record Invalid(String reason) implements Decoded {}

  /** ABI-encodes a sequenceBatches call (selector included). */
  public static byte[] encode(List<BatchData> batches, String l2Coinbase) {
    List<DynamicStruct> structs = new ArrayList<>(batches.size());
    for (BatchData b : batches) {
      structs.add(new DynamicStruct(new DynamicBytes(b.transactions()),
          new Uint64(new BigInteger(Long.toUnsignedString(b.timestamp())))));
    }
    List<Type> params = List.of(new DynamicArray<>(DynamicStruct.class, structs), new Address(l2Coinbase));
    // encodeConstructor encodes the parameters alone; the selector is ours, from the signature above.
    byte[] args = Numeric.hexStringToByteArray(FunctionEncoder.encodeConstructor(params));
    byte[] out = Arrays.copyOf(SELECTOR, 4 + args.length);
    System.arraycopy(args, 0, out, 4, args.length);
    return out;
  }

  /** Decodes the input of an L1 transaction, accepting what Solidity's ABI decoder v2 accepts. */
  public static Decoded decode(byte[] input) {
    if (input == null || input.length < 4) {
      return new Invalid("calldata is " + (input == null ? "missing" : input.length + " bytes") + ", shorter than a selector");
    }
    if (!Arrays.equals(Arrays.copyOf(input, 4), SELECTOR)) {
      return new Invalid("selector " + Numeric.toHexString(Arrays.copyOf(input, 4)) + " is not "
          + SIGNATURE + " (" + Numeric.toHexString(SELECTOR) + ")");
    }
    try {
      return new AbiReader(Arrays.copyOfRange(input, 4, input.length)).sequenceBatches();
    } catch (AbiReader.Malformed e) {
      return new Invalid("malformed " + SIGNATURE + " calldata: " + e.getMessage());
    }
  }

  /** Bounds-checked reader of the ABI head/tail layout; every offset is checked before it is followed. */
  private static final class AbiReader {
    static final class Malformed extends Exception {
      Malformed(String message) {
        super(message, null, false, false);
      }
    }

    private final byte[] args;

    private AbiReader(byte[] args) {
      this.args = args;
    }

    Valid sequenceBatches() throws Malformed {
      long arrayStart = offset(0, 0, "batches");
      String coinbase = address(32, "l2Coinbase");
      long count = uint(arrayStart, 63, "batches length");
      long elements = arrayStart + 32;
      // Each element needs at least its 32-byte offset word: bounds the count before allocating.
      if (count > (args.length - elements) / 32) {
        throw new Malformed("batches length " + count + " does not fit in " + args.length + " bytes");
      }
      List<BatchData> batches = new ArrayList<>((int) count);
      for (long i = 0; i < count; i++) {
        long tuple = offset(elements, elements + 32 * i, "batches[" + i + "]");
        long bytesStart = offset(tuple, tuple, "batches[" + i + "].transactions");
        long timestamp = uint(tuple + 32, 64, "batches[" + i + "].timestamp");
        long length = uint(bytesStart, 63, "batches[" + i + "].transactions length");
        long data = bytesStart + 32;
        if (length > args.length - data) {
          throw new Malformed("batches[" + i + "].transactions length " + length + " runs past the calldata end");
        }
        batches.add(new BatchData(Arrays.copyOfRange(args, (int) data, (int) (data + length)), timestamp));
      }
      return new Valid(batches, coinbase);
    }

    /** A head word at {@code at} holding an offset relative to {@code base}; returns the absolute position. */
    private long offset(long base, long at, String what) throws Malformed {
      long relative = uint(at, 63, what + " offset");
      long absolute = base + relative;
      if (absolute < 0 || absolute > args.length - 32) {
        throw new Malformed(what + " offset " + relative + " points past the calldata end");
      }
      return absolute;
    }

    /** A word at {@code at} that must be an unsigned integer of at most {@code bits} bits. */
    private long uint(long at, int bits, String what) throws Malformed {
      BigInteger value = new BigInteger(1, word(at, what));
      if (value.bitLength() > bits) throw new Malformed(what + " " + value + " exceeds " + bits + " bits");
      return value.longValue();
    }

    private String address(long at, String what) throws Malformed {
      byte[] w = word(at, what);
      for (int i = 0; i < 12; i++) {
        if (w[i] != 0) throw new Malformed(what + " has non-zero bytes above its 20-byte address");
      }
      return Numeric.toHexString(Arrays.copyOfRange(w, 12, 32));
    }

    private byte[] word(long at, String what) throws Malformed {
      if (at < 0 || at > args.length - 32) {
        throw new Malformed(what + " at byte " + at + " is past the calldata end (" + args.length + " bytes)");
      }
      return Arrays.copyOfRange(args, (int) at, (int) at + 32);
    }
  }
}
