package zkchain.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import zkchain.bench.BenchRollup.Db;
import zkchain.bench.Runs.Figure;
import zkchain.node.ZkChainNode;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.testing.LocalRollup;

/**
 * The Trusted stage of one node following a feed (figures 1 and 2 of issue 8, item 6). Each run
 * starts a fresh node (H2 unless -Ddb=postgres) on a fresh feed, then:
 *
 * <ol>
 *   <li>cold: the first {@code -Dcold} batches, published at {@code -Drate} a second, timed from
 *       publication to Trusted; then {@code -Dwarmup} more at the same rate, not timed. The first
 *       run's are reported as "cold JVM" (nothing compiled yet, as after a restart), the others'
 *       as "cold node" (a fresh node in a JVM that ran one before);
 *   <li>warm: {@code -Dlive} batches at the same rate, timed the same way;
 *   <li>backlog: {@code -Dbacklog} batches published at once, timed until the last is Trusted.
 * </ol>
 *
 * Latency is measured to two points: the batch's TrustedRecorded event (its time is taken when the
 * entity decides, just before the journal write) and its arrival on the node's own feed (the node
 * relays a batch after the journal write and its own feed log write): the Trusted moment lies
 * between them. Limits of the same run: native sender recovery on all cores, as recoveries/s for the
 * throughput and as the time to recover one batch's senders for the latency. Prints figures,
 * asserts nothing. Run:
 *
 * <pre>mvn -o -q -Pbench exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.FeedBench [-Druns=3]</pre>
 */
public final class FeedBench {
  static final int TRANSFERS = SignedBatches.TRANSFERS;
  static final int COLD = Integer.getInteger("cold", 100);
  static final int WARMUP = Integer.getInteger("warmup", 100);
  static final int LIVE = Integer.getInteger("live", 200);
  static final int BACKLOG = Integer.getInteger("backlog", 200);
  static final double RATE = Double.parseDouble(System.getProperty("rate", "20"));

  public static void main(String[] args) {
    Db db = BenchRollup.Db.fromProperty("h2").get(0);
    Runs runs = new Runs("FeedBench", 3);
    System.out.printf("FeedBench: batches of %d transfers; cold %d and warm %d batches at %.0f/s after a warm-up of %d; "
        + "a backlog of %d; %s; %d cores%n", TRANSFERS, COLD, LIVE, RATE, WARMUP, BACKLOG, db.label(), PhysicalLimits.cores());
    List<BatchMessage> batches = SignedBatches.transfers(BenchRollup.GENESIS, COLD + WARMUP + LIVE + BACKLOG, TRANSFERS);
    try (BenchRollup rollup = BenchRollup.onAnvil()) {
      for (int run = 1; run <= runs.count(); run++) {
        runs.start(run, "a fresh node");
        try (FeedUpstream upstream = FeedUpstream.serving(batches)) {
          ZkChainNode node = rollup.startNode("node-" + run, db, List.of(upstream.url()), Map.of());
          Map<Long, Instant> relayed = upstream.arrivals(LocalRollup.feedUrl(node), 1);

          Latencies cold = Latencies.of(node, relayed, publishAtRate(upstream, 1, COLD));
          publishAtRate(upstream, COLD + 1, COLD + WARMUP);
          Latencies warm = Latencies.of(node, relayed, publishAtRate(upstream, COLD + WARMUP + 1, COLD + WARMUP + LIVE));

          int total = COLD + WARMUP + LIVE + BACKLOG;
          Instant start = upstream.publishUpTo(total);
          double seconds = Duration.between(start, BenchRollup.awaitTrusted(node, total)).toNanos() / 1e9;

          BenchRollup.awaitHeads(node, heads -> heads.trusted() >= total);
          double recoveries = PhysicalLimits.nativeRecoveryRate(Duration.ofSeconds(6));
          double batchFloorMs = 1e3 * TRANSFERS / recoveries;
          String floor = TRANSFERS + " recoveries on " + PhysicalLimits.cores() + " cores";
          runs.add(Figure.rate("Trusted throughput, backlog of " + BACKLOG, BACKLOG * TRANSFERS / seconds,
              "transfers/s", "native recovery, all cores", recoveries, "recoveries/s"));
          for (var phase : List.of(Map.entry(run == 1 ? "cold JVM" : "cold node", cold), Map.entry("warm", warm))) {
            Latencies l = phase.getValue();
            runs.add(Figure.time("to TrustedRecorded p50, " + phase.getKey(), l.trustedMs(0.5), "ms", floor, batchFloorMs));
            runs.add(Figure.time("to TrustedRecorded p99, " + phase.getKey(), l.trustedMs(0.99), "ms", floor, batchFloorMs));
            runs.add(Figure.time("to relayed p50, " + phase.getKey(), l.relayedMs(0.5), "ms", floor, batchFloorMs));
            runs.add(Figure.time("to relayed p99, " + phase.getKey(), l.relayedMs(0.99), "ms", floor, batchFloorMs));
          }
          rollup.stop(node);
        }
      }
    }
    runs.summary();
  }

  /** Publishes batches {@code from..to} one by one at RATE a second (a fixed schedule, no drift); returns when each was. */
  static Map<Long, Instant> publishAtRate(FeedUpstream upstream, long from, long to) {
    Map<Long, Instant> published = new java.util.HashMap<>();
    long period = (long) (1e9 / RATE);
    long start = System.nanoTime();
    for (long n = from; n <= to; n++) {
      long due = start + (n - from) * period;
      for (long wait; (wait = due - System.nanoTime()) > 0; ) LockSupport.parkNanos(wait);
      published.put(n, upstream.publishUpTo(n));
    }
    return published;
  }

  /** Publication-to-Trusted and publication-to-relayed times of a set of batches, in ms. */
  record Latencies(double[] trusted, double[] relayed) {
    static Latencies of(ZkChainNode node, Map<Long, Instant> relayedAt, Map<Long, Instant> published) {
      long last = published.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
      BenchRollup.awaitTrusted(node, last);
      double[] trusted = new double[published.size()];
      double[] relayed = new double[published.size()];
      int i = 0;
      for (var p : published.entrySet()) {
        long n = p.getKey();
        trusted[i] = millis(p.getValue(), BenchRollup.trustedAt(node.system(), n));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!relayedAt.containsKey(n)) {
          if (System.nanoTime() > deadline) throw new IllegalStateException("batch " + n + " was not relayed in 30 s");
          BenchRollup.sleep(Duration.ofMillis(10));
        }
        relayed[i++] = millis(p.getValue(), relayedAt.get(n));
      }
      return new Latencies(trusted, relayed);
    }

    double trustedMs(double q) {
      return Runs.quantile(trusted, q);
    }

    double relayedMs(double q) {
      return Runs.quantile(relayed, q);
    }

    private static double millis(Instant from, Instant to) {
      return Duration.between(from, to).toNanos() / 1e6;
    }
  }
}
