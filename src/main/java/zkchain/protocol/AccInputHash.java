package zkchain.protocol;

import java.nio.ByteBuffer;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * accInputHash of PROTOCOL.md §4: a running hash over every batch's inputs, so one 32-byte value
 * at the last batch of a sequence commits to all batches up to it. The L1 contract computes the
 * same chain; equality is what ties a node's batch data to what was sequenced.
 */
public final class AccInputHash {
  private AccInputHash() {}

  /** accInputHash(0): 32 zero bytes. */
  public static byte[] genesis() {
    return new byte[32];
  }

  /**
   * keccak(previous ‖ keccak(transactions) ‖ uint64(timestamp) ‖ coinbase), which is Solidity's
   * keccak256(abi.encodePacked(bytes32, bytes32, uint64, address)). The timestamp is unsigned.
   */
  public static byte[] next(byte[] previous, byte[] transactions, long timestamp, String coinbase) {
    byte[] coinbaseBytes = Numeric.hexStringToByteArray(coinbase);
    if (previous.length != 32) throw new IllegalArgumentException("previous accInputHash must be 32 bytes");
    if (coinbaseBytes.length != 20) throw new IllegalArgumentException("coinbase must be a 20-byte address: " + coinbase);
    ByteBuffer packed = ByteBuffer.allocate(32 + 32 + 8 + 20);
    packed.put(previous).put(Hash.sha3(transactions)).putLong(timestamp).put(coinbaseBytes);
    return Hash.sha3(packed.array());
  }
}
