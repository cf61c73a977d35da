package zkchain.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;

class TransactionDecoderTest {
  static final long CHAIN = 1001;
  static final Credentials ALICE = Credentials.create(DevKeys.key(5));
  static final Address BOB = Address.of("0x00000000000000000000000000000000000b0b00");
  static final BigInteger ONE_ETH = BigInteger.TEN.pow(18);

  private static TransactionDecoder.Decoded decode(byte[] raw) {
    return TransactionDecoder.decode(raw, CHAIN);
  }

  private static void assertSkipped(SkipReason expected, byte[] raw) {
    TransactionDecoder.Invalid invalid = assertInstanceOf(TransactionDecoder.Invalid.class, decode(raw));
    assertEquals(expected, invalid.reason(), invalid.detail());
    assertEquals(Hash32.keccak(raw), invalid.hash(), "a skip names the transaction by its hash");
  }

  @Test
  void legacyTransferDecodesWithSenderAndHash() {
    byte[] raw = Txs.legacy(ALICE, CHAIN, 7, 3, BOB, ONE_ETH);
    Transaction tx = assertInstanceOf(TransactionDecoder.Valid.class, decode(raw)).transaction();
    assertEquals(Transaction.Type.LEGACY, tx.type());
    assertEquals(Txs.address(ALICE), tx.sender());
    assertEquals(BOB, tx.to());
    assertEquals(BigInteger.valueOf(7), tx.nonce());
    assertEquals(ONE_ETH, tx.value());
    assertEquals(BigInteger.valueOf(3 * 21_000), tx.fee());
    assertEquals(Numeric.toHexString(Hash.sha3(raw)), tx.hash().hex());
  }

  @Test
  void dynamicFeeTransferPaysTheSmallerOfCapAndTip() {
    byte[] raw = Txs.dynamicFee(ALICE, CHAIN, 0, 5, 9, BOB, ONE_ETH);
    Transaction tx = assertInstanceOf(TransactionDecoder.Valid.class, decode(raw)).transaction();
    assertEquals(Transaction.Type.DYNAMIC_FEE, tx.type());
    assertEquals(Txs.address(ALICE), tx.sender());
    assertEquals(BigInteger.valueOf(5 * 21_000), tx.fee(), "base fee 0: the tip is paid in full");
    assertEquals(ONE_ETH.add(BigInteger.valueOf(9 * 21_000)), tx.maxCost());
  }

  @Test
  void malformed() {
    assertSkipped(SkipReason.MALFORMED, new byte[0]);
    assertSkipped(SkipReason.MALFORMED, Numeric.hexStringToByteArray("0xdeadbeef"));
    assertSkipped(SkipReason.MALFORMED, Numeric.hexStringToByteArray("0x02c0"));
    byte[] good = Txs.legacy(ALICE, CHAIN, 0, 1, BOB, ONE_ETH);
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    assertSkipped(SkipReason.MALFORMED, trailing);
    // nonce 0 written as 0x00 instead of the empty string: web3j would read it, geth does not
    assertSkipped(SkipReason.MALFORMED, Txs.withField(good, 0, new byte[] {(byte) 0x81, 0x00}));
    // a 19-byte recipient
    assertSkipped(SkipReason.MALFORMED, Txs.withField(good, 3, Rlp.encodeString(new byte[19])));
  }

  @Test
  void wrongChain() {
    assertSkipped(SkipReason.WRONG_CHAIN, Txs.legacy(ALICE, 1, 0, 1, BOB, ONE_ETH));
    assertSkipped(SkipReason.WRONG_CHAIN, Txs.dynamicFee(ALICE, 1002, 0, 1, 1, BOB, ONE_ETH));
  }

  @Test
  void unprotectedLegacyIsWrongChain() {
    org.web3j.crypto.RawTransaction tx = org.web3j.crypto.RawTransaction.createEtherTransaction(
        BigInteger.ZERO, BigInteger.ONE, Txs.GAS, BOB.hex(), ONE_ETH);
    byte[] raw = org.web3j.crypto.TransactionEncoder.signMessage(tx, ALICE);
    int v = Txs.field(raw, 6).intValue();
    org.junit.jupiter.api.Assertions.assertTrue(v == 27 || v == 28, "web3j signs without chain id as v = 27/28");
    assertSkipped(SkipReason.WRONG_CHAIN, raw);
  }

  @Test
  void badSignature() {
    assertSkipped(SkipReason.BAD_SIGNATURE, Txs.highS(Txs.legacy(ALICE, CHAIN, 0, 1, BOB, ONE_ETH)));
    assertSkipped(SkipReason.BAD_SIGNATURE, Txs.highS(Txs.dynamicFee(ALICE, CHAIN, 0, 1, 1, BOB, ONE_ETH)));
    byte[] legacy = Txs.legacy(ALICE, CHAIN, 0, 1, BOB, ONE_ETH);
    assertSkipped(SkipReason.BAD_SIGNATURE, Txs.withField(legacy, 7, Rlp.encodeUint(BigInteger.ZERO)));
    assertSkipped(SkipReason.BAD_SIGNATURE, Txs.withField(legacy, 7, Rlp.encodeUint(TransactionDecoder.SECP256K1_N)));
    assertSkipped(SkipReason.BAD_SIGNATURE, Txs.withField(legacy, 6, Rlp.encodeUint(30)));
    byte[] typed = Txs.dynamicFee(ALICE, CHAIN, 0, 1, 1, BOB, ONE_ETH);
    assertSkipped(SkipReason.BAD_SIGNATURE, Txs.withField(typed, 9, Rlp.encodeUint(2)));
  }

  @Test
  void rThatIsNoCurvePointIsABadSignatureNotMalformed() {
    byte[] legacy = Txs.legacy(ALICE, CHAIN, 0, 1, BOB, ONE_ETH);
    BigInteger r = BigInteger.ONE;
    while (onCurve(r)) r = r.add(BigInteger.ONE);
    assertSkipped(SkipReason.BAD_SIGNATURE, Txs.withField(legacy, 7, Rlp.encodeUint(r)));
  }

  /** web3j as the oracle: it throws when r is not the x of a point. */
  private static boolean onCurve(BigInteger x) {
    try {
      org.web3j.crypto.Sign.recoverFromSignature(0, new org.web3j.crypto.ECDSASignature(x, BigInteger.ONE), new byte[32]);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Test
  void signatureIsCheckedBeforeChainId() {
    // rule 1 (signature) precedes rule 2 (chain id): both fail here, the first is recorded
    assertSkipped(SkipReason.BAD_SIGNATURE, Txs.highS(Txs.dynamicFee(ALICE, 1, 0, 1, 1, BOB, ONE_ETH)));
  }

  @Test
  void unsupported() {
    assertSkipped(SkipReason.UNSUPPORTED, Txs.legacy(ALICE, CHAIN, 0, 1, Txs.GAS.multiply(BigInteger.TEN), null,
        BigInteger.ZERO, "0x6000"));
    assertSkipped(SkipReason.UNSUPPORTED, Txs.dynamicFee(ALICE, CHAIN, 0, 1, 1, Txs.GAS.multiply(BigInteger.TEN), BOB,
        BigInteger.ZERO, "0xa9059cbb"));
    // a well-formed access list: a plain transfer would no longer cost exactly 21000 gas
    byte[] typed = Txs.dynamicFee(ALICE, CHAIN, 0, 1, 1, BOB, ONE_ETH);
    byte[] accessList = Rlp.encodeList(Rlp.encodeList(Rlp.encodeString(BOB.bytes()), Rlp.encodeList()));
    byte[] withList = Txs.withField(typed, 8, accessList);
    // the signature no longer matches, but any recovered key will do for this rule
    TransactionDecoder.Decoded d = decode(withList);
    assertEquals(SkipReason.UNSUPPORTED, assertInstanceOf(TransactionDecoder.Invalid.class, d).reason());
    assertSkipped(SkipReason.UNSUPPORTED, Numeric.hexStringToByteArray("0x01c0"));
    assertSkipped(SkipReason.UNSUPPORTED, Numeric.hexStringToByteArray("0x03c0"));
  }

  @Test
  void intrinsicGas() {
    assertSkipped(SkipReason.INTRINSIC_GAS,
        Txs.legacy(ALICE, CHAIN, 0, 1, BigInteger.valueOf(20_999), BOB, ONE_ETH, ""));
    assertSkipped(SkipReason.INTRINSIC_GAS,
        Txs.dynamicFee(ALICE, CHAIN, 0, 1, 1, BigInteger.valueOf(20_999), BOB, ONE_ETH, ""));
    assertInstanceOf(TransactionDecoder.Valid.class,
        decode(Txs.legacy(ALICE, CHAIN, 0, 1, BigInteger.valueOf(21_000), BOB, ONE_ETH, "")));
  }

  @Test
  void reEncodingIsCanonical() {
    byte[] raw = Txs.dynamicFee(ALICE, CHAIN, 300, 1, 2, BOB, ONE_ETH);
    byte[] body = java.util.Arrays.copyOfRange(raw, 1, raw.length);
    assertEquals(Numeric.toHexString(body), Numeric.toHexString(Rlp.encode(Rlp.decode(body))));
  }
}
