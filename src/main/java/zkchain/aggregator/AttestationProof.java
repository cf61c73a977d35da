package zkchain.aggregator;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.SignatureException;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;
import zkchain.protocol.Secp256k1;

/**
 * The proof the development verifier (contracts/DevAttestationVerifier.sol) accepts: the prover
 * key's signature over inputSnark. An attestation, NOT a zero-knowledge proof: it shows only that
 * the prover key vouched for these inputs (PROTOCOL.md §5).
 */
public final class AttestationProof {
  private AttestationProof() {}

  /** The BN254 scalar field prime: the contract reduces inputSnark mod it. */
  public static final BigInteger SNARK_SCALAR_FIELD = new BigInteger(
      "21888242871839275222246405745257275088548364400416034343698204186575808495617");

  /** Bytes of abi.encodePacked(address, bytes32, bytes32, uint64, uint64, bytes32, bytes32, uint64). */
  public static final int PACKED_INPUTS_LENGTH = 20 + 32 + 32 + 8 + 8 + 32 + 32 + 8;

  /**
   * inputSnark of verifyBatchesTrustedAggregator: uint256(sha256(abi.encodePacked(aggregator,
   * oldStateRoot, oldAccInputHash, uint64 initNumBatch, uint64 chainID, newStateRoot,
   * newAccInputHash, uint64 finalNewBatch))) mod the BN254 field prime.
   *
   * @param aggregator the address that will send the verification (msg.sender on L1)
   */
  public static BigInteger inputSnark(String aggregator, byte[] oldStateRoot, byte[] oldAccInputHash,
      long initNumBatch, long chainId, byte[] newStateRoot, byte[] newAccInputHash, long finalNewBatch) {
    return new BigInteger(1, sha256(packedInputs(aggregator, oldStateRoot, oldAccInputHash, initNumBatch, chainId,
        newStateRoot, newAccInputHash, finalNewBatch))).mod(SNARK_SCALAR_FIELD);
  }

  static byte[] packedInputs(String aggregator, byte[] oldStateRoot, byte[] oldAccInputHash, long initNumBatch,
      long chainId, byte[] newStateRoot, byte[] newAccInputHash, long finalNewBatch) {
    return ByteBuffer.allocate(PACKED_INPUTS_LENGTH)
        .put(bytes(aggregator, 20, "aggregator"))
        .put(check(oldStateRoot, "oldStateRoot"))
        .put(check(oldAccInputHash, "oldAccInputHash"))
        .putLong(initNumBatch)
        .putLong(chainId)
        .put(check(newStateRoot, "newStateRoot"))
        .put(check(newAccInputHash, "newAccInputHash"))
        .putLong(finalNewBatch)
        .array();
  }

  /** The digest the prover signs: keccak256(abi.encodePacked(uint256 inputSnark)). */
  public static byte[] digest(BigInteger inputSnark) {
    return Hash.sha3(Numeric.toBytesPadded(inputSnark, 32));
  }

  /** The 65-byte proof r ‖ s ‖ v (v ∈ {27, 28}, low s) of inputSnark by the prover key. */
  public static byte[] sign(BigInteger inputSnark, ECKeyPair prover) {
    return Secp256k1.sign(digest(inputSnark), prover);
  }

  /** The address that signed {@code proof} over inputSnark, lowercase 0x-hex, or throws if unrecoverable. */
  public static String signer(BigInteger inputSnark, byte[] proof) {
    if (proof.length != 65) throw new IllegalArgumentException("proof must be 65 bytes, got " + proof.length);
    Sign.SignatureData sig = new Sign.SignatureData(proof[64],
        java.util.Arrays.copyOfRange(proof, 0, 32), java.util.Arrays.copyOfRange(proof, 32, 64));
    try {
      return "0x" + Keys.getAddress(Sign.signedMessageHashToKey(digest(inputSnark), sig));
    } catch (SignatureException e) {
      throw new IllegalArgumentException("proof is not a recoverable signature: " + e.getMessage(), e);
    }
  }

  private static byte[] sha256(byte[] data) {
    return Hash.sha256(data);
  }

  private static byte[] check(byte[] hash32, String what) {
    if (hash32.length != 32) throw new IllegalArgumentException(what + " must be 32 bytes, got " + hash32.length);
    return hash32;
  }

  private static byte[] bytes(String hex, int length, String what) {
    byte[] b = Numeric.hexStringToByteArray(hex);
    if (b.length != length) throw new IllegalArgumentException(what + " must be " + length + " bytes: " + hex);
    return b;
  }
}
