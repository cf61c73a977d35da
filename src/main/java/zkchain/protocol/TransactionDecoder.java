package zkchain.protocol;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes one raw transaction and applies the stateless rules 1–4 of PROTOCOL.md §2
 * (rules 5–7 need the state: see the Executor). Total: any bytes give a result, never an
 * exception. Checks run in rule order and the first failure is the reason.
 */
public final class TransactionDecoder {
  private TransactionDecoder() {}

  /** The outcome of decoding: a transaction the state can judge, or the reason it is skipped. */
  public sealed interface Decoded permits Valid, Invalid {
    Hash32 hash();
  }

  public record Valid(Transaction transaction) implements Decoded {
    @Override
    public Hash32 hash() {
      return transaction.hash();
    }
  }

  /** {@code detail} explains the reason for logs; only the reason is protocol. */
  public record Invalid(Hash32 hash, SkipReason reason, String detail) implements Decoded {}

  static final BigInteger SECP256K1_N = Secp256k1.N;
  private static final int DYNAMIC_FEE_TYPE = 2;
  /** Known Ethereum transaction types that version 1 does not execute. */
  private static final List<Integer> OTHER_KNOWN_TYPES = List.of(1, 3, 4);

  public static Decoded decode(byte[] raw, long chainId) {
    Hash32 hash = Hash32.keccak(raw);
    try {
      if (raw.length == 0) return new Invalid(hash, SkipReason.MALFORMED, "empty transaction");
      int first = raw[0] & 0xff;
      if (first >= 0xc0) return legacy(raw, hash, chainId);
      if (first == DYNAMIC_FEE_TYPE) return dynamicFee(raw, hash, chainId);
      if (OTHER_KNOWN_TYPES.contains(first)) {
        return new Invalid(hash, SkipReason.UNSUPPORTED, "transaction type " + first + " is not executed in version 1");
      }
      return new Invalid(hash, SkipReason.MALFORMED, "not a transaction: first byte 0x" + Integer.toHexString(first));
    } catch (Rlp.RlpException e) {
      return new Invalid(hash, SkipReason.MALFORMED, e.getMessage());
    } catch (RuntimeException e) {
      // decoding must be total: a batch's bytes are not under the node's control
      return new Invalid(hash, SkipReason.MALFORMED, e.toString());
    }
  }

  // [nonce, gasPrice, gasLimit, to, value, data, v, r, s]
  private static Decoded legacy(byte[] raw, Hash32 hash, long chainId) {
    List<Rlp.Item> f = fields(Rlp.decode(raw), 9, "legacy transaction");
    BigInteger nonce = Rlp.uint(f.get(0), 8, "nonce");
    BigInteger gasPrice = Rlp.uint(f.get(1), 32, "gasPrice");
    BigInteger gasLimit = Rlp.uint(f.get(2), 8, "gasLimit");
    byte[] to = to(f.get(3));
    BigInteger value = Rlp.uint(f.get(4), 32, "value");
    byte[] data = Rlp.bytes(f.get(5), "data");
    BigInteger v = Rlp.uint(f.get(6), 32, "v");
    BigInteger r = Rlp.uint(f.get(7), 32, "r");
    BigInteger s = Rlp.uint(f.get(8), 32, "s");

    // v = 27/28 is unprotected (pre-EIP-155); v = chainId·2 + 35/36 is protected
    boolean protectedTx = v.compareTo(BigInteger.valueOf(35)) >= 0;
    BigInteger txChainId;
    int recId;
    byte[] payload;
    if (protectedTx) {
      txChainId = v.subtract(BigInteger.valueOf(35)).shiftRight(1);
      recId = v.testBit(0) ? 0 : 1;
      payload = Rlp.encodeList(enc(f.get(0)), enc(f.get(1)), enc(f.get(2)), enc(f.get(3)), enc(f.get(4)),
          enc(f.get(5)), Rlp.encodeUint(txChainId), Rlp.encodeUint(0), Rlp.encodeUint(0));
    } else if (v.equals(BigInteger.valueOf(27)) || v.equals(BigInteger.valueOf(28))) {
      txChainId = null;
      recId = v.intValue() - 27;
      payload = Rlp.encodeList(enc(f.get(0)), enc(f.get(1)), enc(f.get(2)), enc(f.get(3)), enc(f.get(4)),
          enc(f.get(5)));
    } else {
      return new Invalid(hash, SkipReason.BAD_SIGNATURE, "legacy v = " + v + " is neither 27/28 nor EIP-155");
    }
    Address sender = recover(payload, recId, r, s);
    if (sender == null) return new Invalid(hash, SkipReason.BAD_SIGNATURE, "no sender recovers from r, s, v");
    if (txChainId == null) {
      return new Invalid(hash, SkipReason.WRONG_CHAIN, "legacy transaction without EIP-155 replay protection");
    }
    if (!txChainId.equals(BigInteger.valueOf(chainId))) {
      return new Invalid(hash, SkipReason.WRONG_CHAIN, "signed for chain " + txChainId + ", this chain is " + chainId);
    }
    return transferRules(new Transaction(Transaction.Type.LEGACY, hash, sender, nonce, gasPrice, gasPrice, gasLimit,
        to.length == 0 ? null : new Address(to), value), data, false);
  }

  // 0x02 ‖ [chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList, yParity, r, s]
  private static Decoded dynamicFee(byte[] raw, Hash32 hash, long chainId) {
    byte[] body = Arrays.copyOfRange(raw, 1, raw.length);
    List<Rlp.Item> f = fields(Rlp.decode(body), 12, "type-2 transaction");
    BigInteger txChainId = Rlp.uint(f.get(0), 32, "chainId");
    BigInteger nonce = Rlp.uint(f.get(1), 8, "nonce");
    BigInteger maxPriority = Rlp.uint(f.get(2), 32, "maxPriorityFeePerGas");
    BigInteger maxFee = Rlp.uint(f.get(3), 32, "maxFeePerGas");
    BigInteger gasLimit = Rlp.uint(f.get(4), 8, "gasLimit");
    byte[] to = to(f.get(5));
    BigInteger value = Rlp.uint(f.get(6), 32, "value");
    byte[] data = Rlp.bytes(f.get(7), "data");
    boolean hasAccessList = !accessList(f.get(8)).isEmpty();
    BigInteger yParity = Rlp.uint(f.get(9), 32, "yParity");
    BigInteger r = Rlp.uint(f.get(10), 32, "r");
    BigInteger s = Rlp.uint(f.get(11), 32, "s");

    if (yParity.compareTo(BigInteger.ONE) > 0) {
      return new Invalid(hash, SkipReason.BAD_SIGNATURE, "yParity = " + yParity + " is neither 0 nor 1");
    }
    byte[] unsigned = Rlp.encodeList(f.subList(0, 9).stream().map(Rlp::encode).toList());
    byte[] payload = new byte[unsigned.length + 1];
    payload[0] = DYNAMIC_FEE_TYPE;
    System.arraycopy(unsigned, 0, payload, 1, unsigned.length);
    Address sender = recover(payload, yParity.intValue(), r, s);
    if (sender == null) return new Invalid(hash, SkipReason.BAD_SIGNATURE, "no sender recovers from r, s, yParity");
    if (!txChainId.equals(BigInteger.valueOf(chainId))) {
      return new Invalid(hash, SkipReason.WRONG_CHAIN, "signed for chain " + txChainId + ", this chain is " + chainId);
    }
    return transferRules(new Transaction(Transaction.Type.DYNAMIC_FEE, hash, sender, nonce, maxPriority, maxFee,
        gasLimit, to.length == 0 ? null : new Address(to), value), data, hasAccessList);
  }

  /** Rules 3 and 4. */
  private static Decoded transferRules(Transaction tx, byte[] data, boolean hasAccessList) {
    if (tx.to() == null) return new Invalid(tx.hash(), SkipReason.UNSUPPORTED, "contract creation");
    if (data.length > 0) return new Invalid(tx.hash(), SkipReason.UNSUPPORTED, "call data (" + data.length + " bytes)");
    // an access list costs intrinsic gas beyond 21000, so the transfer would no longer be plain
    if (hasAccessList) return new Invalid(tx.hash(), SkipReason.UNSUPPORTED, "non-empty access list");
    if (tx.gasLimit().compareTo(Transaction.TRANSFER_GAS) < 0) {
      return new Invalid(tx.hash(), SkipReason.INTRINSIC_GAS, "gasLimit " + tx.gasLimit() + " < 21000");
    }
    return new Valid(tx);
  }

  /** The sender, or null when (r, s) is out of range, s > n/2 (EIP-2) or no key recovers. */
  static Address recover(byte[] signingPayload, int recId, BigInteger r, BigInteger s) {
    return Secp256k1.recover(Hash32.keccak(signingPayload).bytes(), r, s, recId);
  }

  private static List<Rlp.Item> fields(Rlp.Item item, int count, String what) {
    List<Rlp.Item> items = Rlp.list(item, what).items();
    if (items.size() != count) throw new Rlp.RlpException(what + " has " + items.size() + " fields, not " + count);
    return items;
  }

  private static byte[] to(Rlp.Item item) {
    byte[] to = Rlp.bytes(item, "to");
    if (to.length != 0 && to.length != 20) throw new Rlp.RlpException("to is " + to.length + " bytes, not 0 or 20");
    return to;
  }

  /** Checks the EIP-2930 shape [[address, [storageKey, …]], …] so that garbage stays malformed. */
  private static List<Rlp.Item> accessList(Rlp.Item item) {
    List<Rlp.Item> entries = Rlp.list(item, "accessList").items();
    for (Rlp.Item entry : entries) {
      List<Rlp.Item> pair = fields(entry, 2, "access list entry");
      if (Rlp.bytes(pair.get(0), "access list address").length != 20) {
        throw new Rlp.RlpException("access list address is not 20 bytes");
      }
      for (Rlp.Item key : Rlp.list(pair.get(1), "storage keys").items()) {
        if (Rlp.bytes(key, "storage key").length != 32) throw new Rlp.RlpException("storage key is not 32 bytes");
      }
    }
    return entries;
  }

  private static byte[] enc(Rlp.Item item) {
    return Rlp.encode(item);
  }
}
