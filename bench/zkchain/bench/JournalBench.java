package zkchain.bench;

import akka.actor.typed.ActorSystem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;
import zkchain.batch.BatchEntity;
import zkchain.bench.BenchRollup.Db;
import zkchain.bench.Runs.Figure;
import zkchain.derive.BatchExecution;
import zkchain.derive.L1Block;
import zkchain.derive.L1Chain;
import zkchain.derive.L1Status;
import zkchain.derive.L1Step;
import zkchain.derive.L1View;
import zkchain.infra.Database;
import zkchain.l1.L1Log;
import zkchain.node.BatchDelivery;
import zkchain.node.TrustedChain;
import zkchain.node.ZkChainNode;
import zkchain.protocol.Batch;
import zkchain.protocol.Hash32;

/**
 * Journal transitions per second (figure 5 of issue 8, item 6): BatchEntity events persisted by
 * many entities at once, delivered as the L1 door delivers them, by the node's own
 * {@link BatchDelivery} ({@code zkchain.l1.delivery-parallelism} entities at a time). Each run, on
 * each database (-Ddb=h2|postgres|both, both by default), a fresh node with no L1 gets one L1 step
 * sequencing {@code -Dbatches} batches (one Virtualized event each, carrying a real batch of
 * {@code -Dtransfers} transfers), then one verifying them all (one Consolidated event each), after
 * {@code -Dwarmup} batches through both, not timed. Limit of the same run, in the same database:
 * raw batched JDBC inserts of rows of the same bytes ({@link PhysicalLimits#rawJdbcInsertRate}),
 * as many rows a commit as the delivery has entities in flight, on one connection. The node's
 * stage heads projection runs as it always does. Prints figures, asserts nothing. Run:
 *
 * <pre>mvn -o -q -Pbench exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.JournalBench [-Druns=3] [-Ddb=both]</pre>
 */
public final class JournalBench {
  public static void main(String[] args) {
    int count = Integer.getInteger("batches", 1_000);
    int warmup = Integer.getInteger("warmup", 200);
    int transfers = SignedBatches.TRANSFERS;
    int threads = Integer.getInteger("jdbcThreads", 1);
    List<Db> dbs = Db.fromProperty("both");
    Runs runs = new Runs("JournalBench", 3);
    byte[] transactions = SignedBatches.transfers(BenchRollup.GENESIS, 1, transfers).get(0).batch().transactions();
    System.out.printf("JournalBench: %d batches (+%d warm-up) of %d transfers (%,d bytes) on %s; %d cores%n",
        count, warmup, transfers, transactions.length, dbs, PhysicalLimits.cores());
    for (int run = 1; run <= runs.count(); run++) {
      for (Db db : dbs) {
        runs.start(run, db.label());
        try (BenchRollup nodes = BenchRollup.withoutL1()) {
          ZkChainNode node = nodes.startNode("journal", db, List.of(), Map.of());
          ActorSystem<?> system = node.system();
          int parallelism = system.settings().config().getInt("zkchain.l1.delivery-parallelism");
          L1Status status = new L1Status();
          var timeout = system.settings().config().getDuration("zkchain.batch.ask-timeout");
          BatchDelivery delivery = new BatchDelivery(system, parallelism, timeout, status,
              new TrustedChain(system, timeout, 1));

          deliver(delivery, sequenced(1, warmup, transactions));
          deliver(delivery, verified(0, warmup));
          double virtualized = count / deliver(delivery, sequenced(warmup + 1, warmup + count, transactions));
          double consolidated = count / deliver(delivery, verified(warmup, warmup + count));
          BatchEntity.State last = BenchRollup.state(system, warmup + count);
          if (status.snapshot().refusedCommands() > 0 || last.stage() != BatchEntity.Stage.CONSOLIDATED) {
            throw new IllegalStateException("the deliveries did not all take: " + status.snapshot().refusedCommands()
                + " refused, batch " + (warmup + count) + " is " + last.stage());
          }

          long lastBatch = warmup + count;
          BenchRollup.awaitHeads(node, heads -> heads.consolidated() >= lastBatch);
          var ds = Database.get(system).dataSource();
          byte[] virtualizedEvent = PhysicalLimits.journalPayload(system, virtualizedEvent(1, transactions));
          byte[] consolidatedEvent = PhysicalLimits.journalPayload(system, consolidatedEvent(1));
          String raw = String.format("raw JDBC inserts of the same bytes, %d rows a commit, %d connection%s",
              parallelism, threads, threads == 1 ? "" : "s");
          runs.add(Figure.rate(db.label() + ": Virtualized events, " + virtualizedEvent.length + " B", virtualized,
              "events/s", raw, PhysicalLimits.rawJdbcInsertRate(ds, virtualizedEvent, parallelism, threads, LIMIT),
              "rows/s"));
          runs.add(Figure.rate(db.label() + ": Consolidated events, " + consolidatedEvent.length + " B", consolidated,
              "events/s", raw, PhysicalLimits.rawJdbcInsertRate(ds, consolidatedEvent, parallelism, threads, LIMIT),
              "rows/s"));
        }
      }
    }
    runs.summary();
  }

  private static final Duration LIMIT = Duration.ofSeconds(5);
  private static final Hash32 ROOT = Hash32.keccak(new byte[] {1});
  private static final L1Log L1 = new L1Log(100, Hash32.keccak(new byte[] {2}).hex(), Hash32.keccak(new byte[] {3}).hex(), 0);

  /** Delivers one L1 step's meaning and waits for every entity's answer; returns the seconds it took. */
  private static double deliver(BatchDelivery delivery, List<BatchExecution.Derived> derived) {
    L1Chain chain = L1Chain.startingAt(new L1Block(L1.blockNumber(), L1.blockHash()));
    var planned = new BatchExecution.Planned(new L1Step.Advance(L1.blockNumber() - 1, L1.blockNumber(), List.of(), chain,
        L1.blockNumber()), derived, new L1View(0, ROOT.hex(), ROOT.hex(), 0, null), new TreeMap<>(), null);
    long start = System.nanoTime();
    delivery.deliver(planned).toCompletableFuture().join();
    return (System.nanoTime() - start) / 1e9;
  }

  /** Batches first..last sequenced in one L1 step, each carrying {@code transactions}. */
  private static List<BatchExecution.Derived> sequenced(long first, long last, byte[] transactions) {
    List<BatchExecution.Derived> out = new ArrayList<>();
    LongStream.rangeClosed(first, last).forEach(n -> out.add(new BatchExecution.SequencedBatch(
        new Batch(n, transactions, SignedBatches.FIRST_TIMESTAMP + n, SignedBatches.coinbase()), ROOT, ROOT, L1)));
    return out;
  }

  /** Batches (after, to] verified by one event, with the root every batch here has. */
  private static List<BatchExecution.Derived> verified(long after, long to) {
    return List.of(new BatchExecution.VerifiedRange(after, to, ROOT, L1));
  }

  private static BatchEntity.Virtualized virtualizedEvent(long n, byte[] transactions) {
    Batch batch = new Batch(n, transactions, SignedBatches.FIRST_TIMESTAMP + n, SignedBatches.coinbase());
    return new BatchEntity.Virtualized(n, BatchEntity.BatchData.of(batch, BatchEntity.Source.L1), ROOT.hex(), ROOT.hex(),
        l1Ref(), List.of(), null, Instant.now());
  }

  private static BatchEntity.Consolidated consolidatedEvent(long n) {
    return new BatchEntity.Consolidated(n, null, l1Ref(), Instant.now());
  }

  private static BatchEntity.L1Ref l1Ref() {
    return new BatchEntity.L1Ref(L1.blockNumber(), L1.blockHash(), L1.txHash(), L1.logIndex());
  }
}
