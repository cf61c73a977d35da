package zkchain.protocol;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Recursive Length Prefix, strict. web3j's RlpDecoder accepts non-canonical encodings and
 * trailing bytes; consensus data must be read exactly one way, so decoding here rejects
 * anything geth would reject: non-minimal lengths, single bytes wrapped in a string prefix,
 * truncated items and bytes left over.
 */
public final class Rlp {
  private Rlp() {}

  /** An RLP item: a byte string or a list of items. */
  public sealed interface Item permits Str, Lst {}

  public record Str(byte[] bytes) implements Item {
    public Str {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Str s && Arrays.equals(bytes, s.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Str[" + org.web3j.utils.Numeric.toHexString(bytes) + "]";
    }
  }

  public record Lst(List<Item> items) implements Item {
    public Lst {
      items = List.copyOf(items);
    }
  }

  /** Thrown for bytes that are not exactly one canonical RLP item. */
  public static final class RlpException extends RuntimeException {
    public RlpException(String message) {
      super(message);
    }
  }

  // ---- decoding ----

  /** Decodes exactly one item spanning all of {@code input}. */
  public static Item decode(byte[] input) {
    int[] end = new int[1];
    Item item = decodeAt(input, 0, input.length, end, 0);
    if (end[0] != input.length) {
      throw new RlpException((input.length - end[0]) + " bytes after the RLP item");
    }
    return item;
  }

  /** Deep enough for any trie node or transaction; a bound keeps garbage from exhausting the stack. */
  private static final int MAX_DEPTH = 64;

  private static Item decodeAt(byte[] in, int pos, int limit, int[] end, int depth) {
    if (depth > MAX_DEPTH) throw new RlpException("RLP nested deeper than " + MAX_DEPTH);
    if (pos >= limit) throw new RlpException("RLP item missing at offset " + pos);
    int b = in[pos] & 0xff;
    if (b < 0x80) {
      end[0] = pos + 1;
      return new Str(new byte[] {(byte) b});
    }
    if (b <= 0xbf) {
      int[] span = span(in, pos, limit, b, 0x80);
      if (span[1] == 1 && (in[span[0]] & 0xff) < 0x80) {
        throw new RlpException("single byte below 0x80 must be encoded as itself, at offset " + pos);
      }
      end[0] = span[0] + span[1];
      return new Str(Arrays.copyOfRange(in, span[0], span[0] + span[1]));
    }
    int[] span = span(in, pos, limit, b, 0xc0);
    int itemsEnd = span[0] + span[1];
    List<Item> items = new ArrayList<>();
    int p = span[0];
    while (p < itemsEnd) {
      items.add(decodeAt(in, p, itemsEnd, end, depth + 1));
      p = end[0];
    }
    end[0] = itemsEnd;
    return new Lst(items);
  }

  /** Returns {payloadStart, payloadLength} for a string (base 0x80) or list (base 0xc0) prefix. */
  private static int[] span(byte[] in, int pos, int limit, int prefix, int base) {
    int shortMax = base + 55;
    int start;
    long length;
    if (prefix <= shortMax) {
      start = pos + 1;
      length = prefix - base;
    } else {
      int lengthOfLength = prefix - shortMax;
      if (pos + 1 + lengthOfLength > limit) throw new RlpException("truncated RLP length at offset " + pos);
      if (in[pos + 1] == 0) throw new RlpException("RLP length with leading zero at offset " + pos);
      if (lengthOfLength > 4) throw new RlpException("RLP length too large at offset " + pos);
      length = 0;
      for (int i = 0; i < lengthOfLength; i++) length = length << 8 | (in[pos + 1 + i] & 0xff);
      if (length <= 55) throw new RlpException("RLP long form used for a short length at offset " + pos);
      start = pos + 1 + lengthOfLength;
    }
    if (start + length > limit) throw new RlpException("RLP item overruns its container at offset " + pos);
    return new int[] {start, (int) length};
  }

  // ---- reading fields ----

  public static Lst list(Item item, String what) {
    if (item instanceof Lst l) return l;
    throw new RlpException(what + " must be an RLP list");
  }

  public static byte[] bytes(Item item, String what) {
    if (item instanceof Str s) return s.bytes;
    throw new RlpException(what + " must be an RLP string");
  }

  /** An unsigned integer of at most {@code maxBytes} bytes, minimal (no leading zero byte). */
  public static BigInteger uint(Item item, int maxBytes, String what) {
    byte[] b = bytes(item, what);
    if (b.length > maxBytes) throw new RlpException(what + " exceeds " + (maxBytes * 8) + " bits");
    if (b.length > 0 && b[0] == 0) throw new RlpException(what + " has a leading zero byte");
    return new BigInteger(1, b);
  }

  // ---- encoding ----

  public static byte[] encodeString(byte[] s) {
    if (s.length == 1 && (s[0] & 0xff) < 0x80) return s.clone();
    byte[] prefix = prefix(s.length, 0x80);
    byte[] out = Arrays.copyOf(prefix, prefix.length + s.length);
    System.arraycopy(s, 0, out, prefix.length, s.length);
    return out;
  }

  public static byte[] encodeUint(BigInteger value) {
    if (value.signum() < 0) throw new IllegalArgumentException("RLP integers are unsigned: " + value);
    if (value.signum() == 0) return encodeString(new byte[0]);
    byte[] b = value.toByteArray();
    return encodeString(b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b);
  }

  public static byte[] encodeUint(long value) {
    return encodeUint(BigInteger.valueOf(value));
  }

  /** A list of already-encoded items. */
  public static byte[] encodeList(byte[]... encodedItems) {
    return encodeList(Arrays.asList(encodedItems));
  }

  public static byte[] encodeList(List<byte[]> encodedItems) {
    int total = 0;
    for (byte[] e : encodedItems) total += e.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream(total + 5);
    out.writeBytes(prefix(total, 0xc0));
    for (byte[] e : encodedItems) out.writeBytes(e);
    return out.toByteArray();
  }

  /** Re-encodes a decoded item; since decoding is canonical this reproduces the input bytes. */
  public static byte[] encode(Item item) {
    // Java 17 has no pattern switch; the interface is sealed, so the two cases are all of them
    if (item instanceof Str s) return encodeString(s.bytes);
    return encodeList(((Lst) item).items.stream().map(Rlp::encode).toList());
  }

  private static byte[] prefix(int length, int base) {
    if (length <= 55) return new byte[] {(byte) (base + length)};
    byte[] len = BigInteger.valueOf(length).toByteArray();
    if (len[0] == 0) len = Arrays.copyOfRange(len, 1, len.length);
    byte[] out = new byte[1 + len.length];
    out[0] = (byte) (base + 55 + len.length);
    System.arraycopy(len, 0, out, 1, len.length);
    return out;
  }
}
