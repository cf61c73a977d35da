package zkchain.sequencer;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.Sign;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.utils.Numeric;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;
import zkchain.protocol.Secp256k1;

/** Signs L2 transactions as a wallet would, and a few a wallet never would, for admission tests. */
final class L2Wallet {
  static final BigInteger GAS = BigInteger.valueOf(21_000);
  static final BigInteger GWEI = BigInteger.valueOf(1_000_000_000L);

  private final long chainId;

  L2Wallet(long chainId) {
    this.chainId = chainId;
  }

  /** A legacy EIP-155 transfer. */
  String legacy(Credentials from, long nonce, String to, BigInteger value) {
    return hex(TransactionEncoder.signMessage(
        RawTransaction.createEtherTransaction(BigInteger.valueOf(nonce), GWEI, GAS, to, value), chainId, from));
  }

  /** A type-2 transfer. */
  String dynamicFee(Credentials from, long nonce, String to, BigInteger value, BigInteger maxPriority,
      BigInteger maxFee) {
    return hex(TransactionEncoder.signMessage(RawTransaction.createEtherTransaction(chainId,
        BigInteger.valueOf(nonce), GAS, to, value, maxPriority, maxFee), from));
  }

  String signedFor(long otherChainId, Credentials from, long nonce, String to) {
    return hex(TransactionEncoder.signMessage(
        RawTransaction.createEtherTransaction(BigInteger.valueOf(nonce), GWEI, GAS, to, BigInteger.ONE),
        otherChainId, from));
  }

  String withData(Credentials from, long nonce, String to) {
    return hex(TransactionEncoder.signMessage(RawTransaction.createTransaction(BigInteger.valueOf(nonce), GWEI, GAS,
        to, BigInteger.ONE, "0x01"), chainId, from));
  }

  String withGasLimit(Credentials from, long nonce, String to, long gasLimit) {
    return hex(TransactionEncoder.signMessage(RawTransaction.createEtherTransaction(BigInteger.valueOf(nonce), GWEI,
        BigInteger.valueOf(gasLimit), to, BigInteger.ONE), chainId, from));
  }

  /** A valid EIP-155 signature turned into its high-s twin: the same sender, but refused by EIP-2. */
  String highS(Credentials from, long nonce, String to) {
    RawTransaction tx = RawTransaction.createEtherTransaction(BigInteger.valueOf(nonce), GWEI, GAS, to, BigInteger.ONE);
    Sign.SignatureData sig = Sign.signMessage(TransactionEncoder.encode(tx, chainId), from.getEcKeyPair());
    BigInteger s = Secp256k1.N.subtract(Numeric.toBigInt(sig.getS()));
    int recId = (sig.getV()[0] - 27) ^ 1;
    BigInteger v = BigInteger.valueOf(chainId * 2 + 35 + recId);
    return hex(TransactionEncoder.encode(tx, new Sign.SignatureData(v.toByteArray(), sig.getR(),
        Numeric.toBytesPadded(s, 32))));
  }

  /** A deterministic address no key is known for. */
  static String recipient(long index) {
    byte[] hash = Hash32.keccak(("zkchain-sequencer-test-recipient-" + index).getBytes(StandardCharsets.UTF_8)).bytes();
    return new Address(Arrays.copyOfRange(hash, 12, 32)).hex();
  }

  private static String hex(byte[] b) {
    return Numeric.toHexString(b);
  }
}
