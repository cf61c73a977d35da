package zkchain.sequencer;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.l1.BatchData;
import zkchain.l1.RollupEvent;
import zkchain.l1.ZkChainRollup;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;

/**
 * Sequences closed batches on L1 (§5), up to {@code batchesPerCall} per sequenceBatches call.
 *
 * <p>Where to start is asked of the contract every time, never remembered: after a crash between
 * an L1 transaction and the database recording it, the contract already counts those batches, and
 * sending from {@code lastBatchSequenced() + 1} cannot sequence any batch twice. Blocking (web3j
 * and JDBC): the sequencing stream runs it on the sequencer's dispatcher, one call at a time.
 */
final class L1Sequencing {
  private static final Logger log = LoggerFactory.getLogger(L1Sequencing.class);
  /** The test hook's L1 version of a batch: an empty transactions list, valid and different. */
  private static final byte[] DIVERGENT_TRANSACTIONS = BatchTransactions.encode(List.of());

  /** What one step did: nothing new to send, or the batches a call sequenced. */
  sealed interface Step permits Idle, Sequenced {}

  record Idle(long lastBatchSequenced) implements Step {}

  record Sequenced(long first, long last, String l1TxHash) implements Step {}

  private final ZkChainRollup rollup;
  private final SequencerBatchStore batches;
  private final String coinbase;
  private final int batchesPerCall;
  private final long divergentBatchTestHook;

  L1Sequencing(ZkChainRollup rollup, SequencerBatchStore batches, String coinbase, int batchesPerCall,
      long divergentBatchTestHook) {
    this.rollup = rollup;
    this.batches = batches;
    this.coinbase = coinbase;
    this.batchesPerCall = batchesPerCall;
    this.divergentBatchTestHook = divergentBatchTestHook;
  }

  /** Sequences the next closed batches L1 does not have yet, if any. Throws on any L1 or database failure. */
  Step sequenceNext() {
    long onL1 = rollup.lastBatchSequenced();
    List<BatchMessage> next = batches.from(onL1 + 1, batchesPerCall);
    if (next.isEmpty()) return new Idle(onL1);
    if (next.get(0).batch().number() != onL1 + 1) {
      throw new IllegalStateException("L1 has sequenced up to batch " + onL1 + " but the sequencer's next closed "
          + "batch is " + next.get(0).batch().number() + "; sequencing stops rather than leave a gap");
    }
    List<BatchData> data = next.stream().map(this::l1Data).toList();
    BatchMessage last = next.get(next.size() - 1);
    RollupEvent.SequenceBatches event = rollup.sequenceBatches(data, coinbase);
    long first = onL1 + 1;
    batches.markSequenced(first, last.batch().number(), event.log().txHash());
    if (event.numBatch() != last.batch().number()) {
      throw new IllegalStateException("L1 sequenced up to batch " + event.numBatch() + " in " + event.log().txHash()
          + ", the call carried batches " + first + ".." + last.batch().number());
    }
    if (!Hash32.of(event.accInputHash()).equals(last.accInputHash()) && !hookApplied(last)) {
      // L1 is authoritative (§7); the sequencer can only say so loudly
      log.error("L1 accInputHash of batch {} is {}, the sequencer's is {}: L1 and the feed disagree",
          event.numBatch(), event.accInputHash(), last.accInputHash());
    }
    log.info("Sequenced batches {}..{} on L1 in {} (accInputHash {})", first, last.batch().number(),
        event.log().txHash(), event.accInputHash());
    return new Sequenced(first, last.batch().number(), event.log().txHash());
  }

  private boolean hookApplied(BatchMessage last) {
    return divergentBatchTestHook > 0 && divergentBatchTestHook <= last.batch().number();
  }

  /** The batch as L1 gets it; the feed's version, unless the test hook asks for a trusted reorg. */
  private BatchData l1Data(BatchMessage closed) {
    if (closed.batch().number() == divergentBatchTestHook) {
      log.warn("TEST HOOK: sequencing batch {} on L1 with an empty transactions list, not what the feed sent",
          divergentBatchTestHook);
      return new BatchData(DIVERGENT_TRANSACTIONS, closed.batch().timestamp());
    }
    return new BatchData(closed.batch().transactions(), closed.batch().timestamp());
  }
}
