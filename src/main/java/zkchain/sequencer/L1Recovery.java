package zkchain.sequencer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.l1.BatchData;
import zkchain.l1.RollupEvent;
import zkchain.l1.SequenceBatchesCalldata;
import zkchain.l1.ZkChainRollup;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;

/**
 * Rebuilds the closed batches the sequencer's database lost after L1 had sequenced them (a crash
 * before their commit reached the disk): each one is read from the calldata of the
 * sequenceBatches call that carries it, executed and signed as L1 has it (transactions,
 * timestamp, coinbase), and persisted as sequenced, so that the feed serves it and the next batch
 * chains on it. Blocking (web3j and JDBC); runs at start, before the sequencer admits anything.
 */
final class L1Recovery {
  private static final Logger log = LoggerFactory.getLogger(L1Recovery.class);
  /** L1 blocks per eth_getLogs while searching back from L1's head for the sequencing calls. */
  private static final long SEARCH_CHUNK = 1_000;

  private final ZkChainRollup rollup;
  private final long deployBlock;
  private final SequencerBatchStore batches;
  private final BatchCloser closer;

  L1Recovery(ZkChainRollup rollup, long deployBlock, SequencerBatchStore batches, BatchCloser closer) {
    this.rollup = rollup;
    this.deployBlock = deployBlock;
    this.batches = batches;
    this.closer = closer;
  }

  /** Recovers batches {@code head.number() + 1 .. lastBatchSequenced}; returns the new last closed batch. */
  SequencerHead recover(SequencerHead head, long lastBatchSequenced, long l1Head) {
    for (RollupEvent.SequenceBatches call : callsAfter(head.number(), l1Head)) {
      head = recover(head, call);
    }
    if (head.number() != lastBatchSequenced) {
      throw new IllegalStateException("L1 has sequenced up to batch " + lastBatchSequenced + " but its SequenceBatches "
          + "events up to block " + l1Head + " reach only batch " + head.number() + "; the sequencer does not start");
    }
    return head;
  }

  /** The batches of one call after {@code head}, checked against L1's accInputHash before any is persisted. */
  private SequencerHead recover(SequencerHead head, RollupEvent.SequenceBatches call) {
    String l1TxHash = call.log().txHash();
    SequenceBatchesCalldata.Decoded decoded = rollup.sequencedCalldata(l1TxHash);
    if (!(decoded instanceof SequenceBatchesCalldata.Valid data)) {
      throw new IllegalStateException("cannot recover the batches up to " + call.numBatch() + " from L1 transaction "
          + l1TxHash + ": " + ((SequenceBatchesCalldata.Invalid) decoded).reason() + "; the sequencer does not start");
    }
    long first = call.numBatch() - data.batches().size() + 1;
    List<BatchMessage> rebuilt = new ArrayList<>();
    for (int i = 0; i < data.batches().size(); i++) {
      long number = first + i;
      if (number <= head.number()) continue; // the call began with batches the database has
      BatchData b = data.batches().get(i);
      BatchMessage signed = closer.sign(head, new Batch(number, b.transactions(), b.timestamp(),
          Address.of(data.l2Coinbase())));
      rebuilt.add(signed);
      head = SequencerHead.of(signed);
    }
    if (!head.accInputHash().equals(Hash32.of(call.accInputHash()))) {
      throw new IllegalStateException("batches recovered from L1 transaction " + l1TxHash + " chain to accInputHash "
          + head.accInputHash() + " at batch " + call.numBatch() + ", L1 has " + call.accInputHash()
          + ": the database's earlier batches are not L1's; the sequencer does not start");
    }
    for (BatchMessage batch : rebuilt) {
      batches.recovered(batch, l1TxHash, transactionHashes(batch));
      log.warn("Recovered batch {} from L1 transaction {}: L1 had sequenced it, the database had lost it",
          batch.batch().number(), l1TxHash);
    }
    return head;
  }

  /**
   * The SequenceBatches events that sequenced batches after {@code number}, in chain order:
   * searched back from {@code l1Head} until an event ends at or before {@code number}.
   */
  private List<RollupEvent.SequenceBatches> callsAfter(long number, long l1Head) {
    List<RollupEvent.SequenceBatches> calls = new ArrayList<>();
    for (long to = l1Head; to >= deployBlock; to -= SEARCH_CHUNK) {
      List<RollupEvent> events = rollup.events(Math.max(deployBlock, to - SEARCH_CHUNK + 1), to);
      for (int i = events.size() - 1; i >= 0; i--) {
        if (!(events.get(i) instanceof RollupEvent.SequenceBatches call)) continue;
        if (call.numBatch() <= number) {
          Collections.reverse(calls);
          return calls;
        }
        calls.add(call);
      }
    }
    Collections.reverse(calls);
    return calls;
  }

  private static List<Hash32> transactionHashes(BatchMessage batch) {
    return BatchTransactions.decode(batch.batch().transactions()).orElse(List.of()).stream().map(Hash32::keccak)
        .toList();
  }
}
