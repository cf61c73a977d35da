/**
 * The trusted sequencer role. A transaction's path, in file order:
 * {@link zkchain.sequencer.SequencerRpc} (eth_sendRawTransaction) →
 * {@link zkchain.sequencer.BatchSequencer}, the one actor that owns the
 * {@link zkchain.sequencer.PendingState} (admission by the §2 rules) and the
 * {@link zkchain.sequencer.OpenBatch}, and answers once the admission is in the
 * {@link zkchain.sequencer.PendingTransactionStore} → at the size or time limit, the
 * {@link zkchain.sequencer.BatchCloser} (execute, check the predicted root, accInputHash, sign) →
 * {@link zkchain.sequencer.SequencerBatchStore} (persisted before anyone sees it) →
 * {@link zkchain.sequencer.Sequencer#closedFrom} for the feed, and
 * {@link zkchain.sequencer.L1Sequencing} for sequenceBatches on L1, one recorded
 * {@link zkchain.sequencer.SequencingTransaction} in flight at a time.
 * {@link zkchain.sequencer.L1Recovery} rebuilds, at start, closed batches the database lost after
 * L1 had them. {@link zkchain.sequencer.Sequencer} wires them on an ActorSystem.
 */
package zkchain.sequencer;
