package zkchain.protocol;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;

/**
 * Test transactions signed by web3j, an encoder independent of the decoder under test, plus
 * byte-level surgery for the invalid ones web3j refuses to make.
 */
public final class Txs {
  private Txs() {}

  public static final BigInteger GAS = BigInteger.valueOf(21_000);

  public static byte[] legacy(Credentials key, long chainId, long nonce, long gasPrice, Address to, BigInteger value) {
    return legacy(key, chainId, nonce, gasPrice, GAS, to, value, "");
  }

  public static byte[] legacy(Credentials key, long chainId, long nonce, long gasPrice, BigInteger gasLimit,
      Address to, BigInteger value, String data) {
    RawTransaction tx = RawTransaction.createTransaction(BigInteger.valueOf(nonce), BigInteger.valueOf(gasPrice),
        gasLimit, to == null ? "" : to.hex(), value, data);
    return TransactionEncoder.signMessage(tx, chainId, key);
  }

  public static byte[] dynamicFee(Credentials key, long chainId, long nonce, long maxPriority, long maxFee,
      Address to, BigInteger value) {
    return dynamicFee(key, chainId, nonce, maxPriority, maxFee, GAS, to, value, "");
  }

  public static byte[] dynamicFee(Credentials key, long chainId, long nonce, long maxPriority, long maxFee,
      BigInteger gasLimit, Address to, BigInteger value, String data) {
    RawTransaction tx = RawTransaction.createTransaction(chainId, BigInteger.valueOf(nonce), gasLimit,
        to == null ? "" : to.hex(), value, data, BigInteger.valueOf(maxPriority), BigInteger.valueOf(maxFee));
    return TransactionEncoder.signMessage(tx, key);
  }

  public static Address address(Credentials key) {
    return Address.of(key.getAddress());
  }

  /** Legacy fields: 6 = v, 7 = r, 8 = s. Type 2 (after the type byte): 9 = yParity, 10 = r, 11 = s. */
  public static byte[] withField(byte[] raw, int field, byte[] encodedItem) {
    boolean typed = (raw[0] & 0xff) < 0xc0;
    byte[] body = typed ? java.util.Arrays.copyOfRange(raw, 1, raw.length) : raw;
    List<byte[]> items = new ArrayList<>();
    for (Rlp.Item item : ((Rlp.Lst) Rlp.decode(body)).items()) items.add(Rlp.encode(item));
    items.set(field, encodedItem);
    byte[] list = Rlp.encodeList(items);
    if (!typed) return list;
    byte[] out = new byte[list.length + 1];
    out[0] = raw[0];
    System.arraycopy(list, 0, out, 1, list.length);
    return out;
  }

  public static BigInteger field(byte[] raw, int field) {
    boolean typed = (raw[0] & 0xff) < 0xc0;
    byte[] body = typed ? java.util.Arrays.copyOfRange(raw, 1, raw.length) : raw;
    return new BigInteger(1, Rlp.bytes(((Rlp.Lst) Rlp.decode(body)).items().get(field), "field"));
  }

  /** The same signature with s' = n − s and the other parity: valid ECDSA, but refused by EIP-2. */
  public static byte[] highS(byte[] raw) {
    boolean typed = (raw[0] & 0xff) < 0xc0;
    int vField = typed ? 9 : 6;
    BigInteger s = field(raw, vField + 2);
    BigInteger v = field(raw, vField);
    byte[] out = withField(raw, vField + 2, Rlp.encodeUint(TransactionDecoder.SECP256K1_N.subtract(s)));
    BigInteger flipped = v.testBit(0) ? v.subtract(BigInteger.ONE) : v.add(BigInteger.ONE);
    return withField(out, vField, Rlp.encodeUint(flipped));
  }

  public static byte[] batch(byte[]... raw) {
    return BatchTransactions.encode(List.of(raw));
  }
}
