package zkchain.protocol;

import java.nio.ByteBuffer;

/**
 * accInputHash(n) = keccak(accInputHash(n−1) ‖ keccak(transactions) ‖ uint64(timestamp) ‖ coinbase)
 * (PROTOCOL.md §4), which is Solidity's keccak256(abi.encodePacked(bytes32, bytes32, uint64, address)).
 */
public final class AccInputHash {
  private AccInputHash() {}

  /** accInputHash(0). */
  public static final Hash32 GENESIS = Hash32.ZERO;

  public static Hash32 next(Hash32 previous, Batch batch) {
    return next(previous, batch.transactions(), batch.timestamp(), batch.coinbase());
  }

  public static Hash32 next(Hash32 previous, byte[] transactions, long timestamp, Address coinbase) {
    ByteBuffer packed = ByteBuffer.allocate(32 + 32 + 8 + 20)
        .put(previous.bytes())
        .put(Hash32.keccak(transactions).bytes())
        .putLong(timestamp)
        .put(coinbase.bytes());
    return Hash32.keccak(packed.array());
  }
}
