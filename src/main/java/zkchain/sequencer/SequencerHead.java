package zkchain.sequencer;

import zkchain.protocol.AccInputHash;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;

/** The last closed batch: what the next one chains on. Batch 0 is the genesis. */
public record SequencerHead(long number, Hash32 stateRoot, Hash32 accInputHash, long timestamp) {
  public static SequencerHead genesis(Hash32 genesisRoot, long minTimestamp) {
    return new SequencerHead(0, genesisRoot, AccInputHash.GENESIS, minTimestamp);
  }

  public static SequencerHead of(BatchMessage closed) {
    return new SequencerHead(closed.batch().number(), closed.stateRoot(), closed.accInputHash(),
        closed.batch().timestamp());
  }

  /**
   * The next batch's timestamp: the sequencer's clock, but never above the latest L1 block's
   * timestamp (the contract refuses a batch from L1's future) and never below the previous
   * batch's (§4).
   */
  public long nextTimestamp(long clockSeconds, long latestL1Timestamp) {
    return Math.max(timestamp, Math.min(clockSeconds, latestL1Timestamp));
  }
}
