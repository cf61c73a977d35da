package zkchain.sequencer;

import zkchain.l1.L1Sender.SignedTransaction;

/**
 * The sequencer's sequenceBatches transaction in flight on L1: the signed bytes (hash, nonce) and
 * the closed batches {@code firstBatch..lastBatch} it carries. Recorded before it is broadcast.
 */
record SequencingTransaction(SignedTransaction signed, long firstBatch, long lastBatch) {
  /** The same batches in {@code replacement}, signed at the same nonce. */
  SequencingTransaction replacedBy(SignedTransaction replacement) {
    return new SequencingTransaction(replacement, firstBatch, lastBatch);
  }

  String batches() {
    return firstBatch + ".." + lastBatch;
  }
}
