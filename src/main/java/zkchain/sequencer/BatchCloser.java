package zkchain.sequencer;

import org.web3j.crypto.ECKeyPair;
import zkchain.execution.ExecutionResult;
import zkchain.execution.Executor;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;

/**
 * Turns a closed batch into the signed feed message (§4, §6): executes it with the node's own
 * Executor, checks that it reaches the root the pending state predicted with every transaction
 * applied, chains its accInputHash and signs it with the sequencer key. A batch L1 already has
 * ({@link #sign}) is taken as L1 has it.
 */
final class BatchCloser {
  private final Executor executor;
  private final long chainId;
  private final ECKeyPair sequencerKey;

  BatchCloser(Executor executor, long chainId, ECKeyPair sequencerKey) {
    this.executor = executor;
    this.chainId = chainId;
    this.sequencerKey = sequencerKey;
  }

  /** Throws {@link IllegalStateException} rather than sign a batch nodes would execute differently. */
  BatchMessage close(SequencerHead parent, Batch batch, Hash32 predictedRoot) {
    ExecutionResult result = executor.execute(parent.stateRoot(), batch);
    if (!result.skipped().isEmpty()) {
      throw new IllegalStateException("batch " + batch.number() + " would skip an admitted transaction: "
          + result.skipped().get(0) + "; not signed");
    }
    if (!result.stateRoot().equals(predictedRoot)) {
      throw new IllegalStateException("batch " + batch.number() + " executes to " + result.stateRoot()
          + ", the pending state predicted " + predictedRoot + "; not signed");
    }
    return signed(parent, batch, result);
  }

  /**
   * Executes and signs a batch as L1 sequenced it: L1 is authoritative (§1), so whatever its
   * transactions do, skipped ones included, is what every node computes for it too.
   */
  BatchMessage sign(SequencerHead parent, Batch batch) {
    return signed(parent, batch, executor.execute(parent.stateRoot(), batch));
  }

  private BatchMessage signed(SequencerHead parent, Batch batch, ExecutionResult result) {
    Hash32 accInputHash = AccInputHash.next(parent.accInputHash(), batch);
    return BatchMessage.signed(chainId, batch, result.stateRoot(), accInputHash, sequencerKey);
  }
}
