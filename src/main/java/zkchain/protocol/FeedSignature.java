package zkchain.protocol;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.web3j.crypto.ECKeyPair;

/**
 * The sequencer's signature of a feed batch (PROTOCOL.md §6): 65 bytes r ‖ s ‖ v, v ∈ {27, 28}, over
 * keccak("zkchain-batch-v1" ‖ uint64(chainId) ‖ uint64(number) ‖ keccak(transactions) ‖
 * uint64(timestamp) ‖ coinbase ‖ stateRoot).
 */
public final class FeedSignature {
  private FeedSignature() {}

  private static final byte[] DOMAIN = "zkchain-batch-v1".getBytes(StandardCharsets.US_ASCII);
  public static final int LENGTH = 65;

  public static Hash32 digest(long chainId, Batch batch, Hash32 stateRoot) {
    ByteBuffer packed = ByteBuffer.allocate(DOMAIN.length + 8 + 8 + 32 + 8 + 20 + 32)
        .put(DOMAIN)
        .putLong(chainId)
        .putLong(batch.number())
        .put(batch.transactionsHash().bytes())
        .putLong(batch.timestamp())
        .put(batch.coinbase().bytes())
        .put(stateRoot.bytes());
    return Hash32.keccak(packed.array());
  }

  /** Signs the digest itself (no EIP-191 prefix), low s (RFC 6979, see {@link Secp256k1#sign}). */
  public static byte[] sign(Hash32 digest, ECKeyPair sequencerKey) {
    return Secp256k1.sign(digest.bytes(), sequencerKey);
  }

  /**
   * The signer's address, or empty when the signature is not 65 bytes, v ∉ {27, 28}, r or s is
   * out of range, s > n/2 (so one batch has one valid signature per key), or no key recovers.
   */
  public static Optional<Address> recover(Hash32 digest, byte[] signature) {
    if (signature.length != LENGTH) return Optional.empty();
    int v = signature[64] & 0xff;
    if (v != 27 && v != 28) return Optional.empty();
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    return Optional.ofNullable(Secp256k1.recover(digest.bytes(), r, s, v - 27));
  }

  /** True when {@code signature} is {@code expectedSigner}'s signature of the batch. */
  public static boolean verify(long chainId, Batch batch, Hash32 stateRoot, byte[] signature, Address expectedSigner) {
    return recover(digest(chainId, batch, stateRoot), signature).map(expectedSigner::equals).orElse(false);
  }
}
