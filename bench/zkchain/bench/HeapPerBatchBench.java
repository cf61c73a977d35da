package zkchain.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import zkchain.bench.BenchRollup.Db;
import zkchain.bench.Runs.Figure;
import zkchain.node.ZkChainNode;

/**
 * Heap per batch (figure 6 of issue 8, item 6): a fresh node (H2 unless -Ddb=postgres) takes
 * {@code -Dbatches} small batches from the feed (empty: no transactions, so the state root never
 * changes and the feed can make each batch when it is read, keeping none in this JVM) and records
 * them Trusted; the heap in use after a full GC is read before the node starts, once
 * {@code -Dfirst} batches are Trusted, then every {@code -Dstep} batches (first by default) and
 * once all are, each printed as it is read, after the stage heads caught up.
 * The limit of the same run is what a batch costs while every batch is still within the configured
 * caches (heap at {@code first} less the heap before the node, per batch; {@code first} must be at
 * least akka's active-entity-limit); the ratio is what a batch after {@code first} costs against
 * it: 0% is flat. The heap of this JVM holds the benchmark and Maven too, the same before and
 * after. Prints figures, asserts nothing. Run:
 *
 * <pre>mvn -o -q -Pbench exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.HeapPerBatchBench [-Dbatches=100000] [-Dfirst=10000] [-Dstep=10000]</pre>
 */
public final class HeapPerBatchBench {
  public static void main(String[] args) {
    int first = Integer.getInteger("first", 10_000);
    int count = Integer.getInteger("batches", 15_000);
    int step = Integer.getInteger("step", first);
    if (first >= count) throw new IllegalArgumentException("-Dfirst must be below -Dbatches");
    Db db = Db.fromProperty("h2").get(0);
    Runs runs = new Runs("HeapPerBatchBench", 1);
    System.out.printf("HeapPerBatchBench: %,d empty batches from the feed, heap at %,d, every %,d after, and at the end; "
        + "%s; max heap %,d MB; GC %s%n", count, first, step, db.label(), Runtime.getRuntime().maxMemory() >> 20,
        ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", ")));
    for (int run = 1; run <= runs.count(); run++) {
      runs.start(run, "a fresh node");
      var empty = new SignedBatches.Empty(BenchRollup.GENESIS);
      try (BenchRollup rollup = BenchRollup.onAnvil(); FeedUpstream upstream = FeedUpstream.serving(empty::get)) {
        long before = heapAfterFullGc();
        runs.add(Figure.alone("heap before the node", before / 1e6, "MB"));
        ZkChainNode node = rollup.startNode("node", db, List.of(upstream.url()), Map.of());
        int limit = node.system().settings().config()
            .getInt("akka.cluster.sharding.passivation.default-strategy.active-entity-limit");
        long t0 = System.nanoTime();
        List<Long> checkpoints = new ArrayList<>();
        for (long at = first; at < count; at += step) checkpoints.add(at);
        checkpoints.add((long) count);
        long atFirst = 0;
        long heap = 0;
        for (long at : checkpoints) {
          heap = recordUpTo(node, upstream, at);
          if (at == first) atFirst = heap;
          runs.add(Figure.alone(String.format("heap at %,d batches", at), heap / 1e6, "MB"));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double perBatchCached = (double) (atFirst - before) / first;
        double perBatchAfter = (double) (heap - atFirst) / (count - first);
        runs.add(new Figure(String.format("heap per batch after %,d", first), perBatchAfter, "bytes/batch",
            String.format("heap per batch up to %,d (active-entity-limit %,d)", first, limit), perBatchCached,
            "bytes/batch", perBatchAfter / perBatchCached, "figure/limit, 0% is flat"));
        runs.add(Figure.alone("  recording rate (GCs included)", count / seconds, "batches/s"));
      }
    }
    runs.summary();
  }

  /** Publishes batches up to {@code last}, waits until they are Trusted and counted in the stage heads; the heap then. */
  private static long recordUpTo(ZkChainNode node, FeedUpstream upstream, long last) {
    upstream.publishUpTo(last);
    BenchRollup.awaitTrusted(node, last);
    BenchRollup.awaitHeads(node, heads -> heads.trusted() >= last);
    return heapAfterFullGc();
  }

  /** Heap in use after full collections, the least of three a moment apart. */
  static long heapAfterFullGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      memory.gc();
      BenchRollup.sleep(Duration.ofMillis(300));
      least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
    }
    return least;
  }
}
