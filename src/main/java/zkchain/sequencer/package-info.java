/**
 * The trusted sequencer role. A transaction's path, in file order:
 * {@link zkchain.sequencer.JsonRpc} (eth_sendRawTransaction) →
 * {@link zkchain.sequencer.BatchSequencer}, the one actor that owns the
 * {@link zkchain.sequencer.PendingState} (admission by the §2 rules) and the
 * {@link zkchain.sequencer.OpenBatch} → at the size or time limit, the
 * {@link zkchain.sequencer.BatchCloser} (execute, check the predicted root, accInputHash, sign) →
 * {@link zkchain.sequencer.SequencerBatchStore} (persisted before anyone sees it) →
 * {@link zkchain.sequencer.Sequencer#closedFrom} for the feed, and
 * {@link zkchain.sequencer.L1Sequencing} for sequenceBatches on L1.
 * {@link zkchain.sequencer.Sequencer} wires them on an ActorSystem.
 */
package zkchain.sequencer;
