package zkchain.bench;

import akka.actor.typed.ActorSystem;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import zkchain.batch.BatchEntity.BatchData;
import zkchain.batch.BatchEntity.L1Ref;
import zkchain.batch.BatchEntity;
import zkchain.node.ZkChainNode;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * The journal's write rate with many batch entities persisting at once, for akka-persistence-jdbc's
 * write batching ({@code jdbc-journal.batchSize}: events per insert, {@code parallelism}: inserts
 * at once), on H2 and on PostgreSQL. Each run is a fresh node (fresh database) whose entities each
 * go Trusted (transactions of a batch of 100 transfers), Virtual (same data) and Consolidated, with
 * {@code -Dconcurrency} entities addressed at once, as the L1 door does; it prints transitions per
 * second (the median of {@code -Druns}, with their range) and the median time a transition waits
 * for its write. Asserts nothing. Run:
 *
 * <pre>mvn -o -q -Pbench test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.JournalWriteBench [-Dbatches=1000] [-Dconcurrency=32] [-Druns=3] [-DbatchSizes=1,25,400] [-Dparallelisms=1,2,8] [-Ddbs=h2,postgres]</pre>
 */
public final class JournalWriteBench {
  static final int BATCHES = Integer.getInteger("batches", 1000);
  static final int CONCURRENCY = Integer.getInteger("concurrency", 32);
  static final int RUNS = Integer.getInteger("runs", 3);
  /** The raw transactions of a batch of 100 transfers (JournalFootprintBench measures 10,358 bytes). */
  static final int TRANSACTION_BYTES = 10_400;

  public static void main(String[] args) throws Exception {
    List<Integer> batchSizes = ints(System.getProperty("batchSizes", "1,25,400"));
    List<Integer> parallelisms = ints(System.getProperty("parallelisms", "1,2,8"));
    List<String> dbs = List.of(System.getProperty("dbs", "h2,postgres").split(","));
    System.out.printf("JournalWriteBench: %d batch entities x 3 transitions, %d addressed at once, %d runs of each "
        + "setting taken in turns (a load that drifts meets every setting alike), %d cores%n",
        BATCHES, CONCURRENCY, RUNS, PhysicalLimits.cores());
    Map<String, List<Result>> results = new java.util.LinkedHashMap<>();
    for (int run = 0; run < RUNS; run++) {
      for (String db : dbs) {
        for (int batchSize : batchSizes) {
          for (int parallelism : parallelisms) {
            Result r = db.equals("postgres") ? onPostgres(batchSize, parallelism) : run(Map.of(), batchSize, parallelism);
            results.computeIfAbsent(String.format("%-10s %9d %11d", db, batchSize, parallelism), k -> new ArrayList<>())
                .add(r);
          }
        }
      }
    }
    System.out.printf("%-10s %9s %11s %14s %20s %16s%n", "database", "batchSize", "parallelism", "transitions/s",
        "(min-max)", "median write ms");
    results.forEach((setting, runs) -> {
      double[] rates = runs.stream().mapToDouble(Result::perSecond).sorted().toArray();
      double[] waits = runs.stream().mapToDouble(Result::medianMillis).sorted().toArray();
      System.out.printf("%s %,14.0f %20s %16.1f%n", setting, rates[rates.length / 2],
          String.format("(%,.0f-%,.0f)", rates[0], rates[rates.length - 1]), waits[waits.length / 2]);
    });
    System.out.println(PhysicalLimits.nativeRecoveryLine(Duration.ofSeconds(6)));
    System.exit(0);
  }

  record Result(double perSecond, double medianMillis) {}

  static Result onPostgres(int batchSize, int parallelism) throws Exception {
    try (var pg = TestDatabases.freshPgSchema()) {
      return run(pg.zkchainDbConfig(), batchSize, parallelism);
    }
  }

  static Result run(Map<String, Object> db, int batchSize, int parallelism) throws Exception {
    Map<String, Object> settings = new HashMap<>(db);
    settings.put("jdbc-journal.batchSize", batchSize);
    settings.put("jdbc-journal.parallelism", parallelism);
    Path dir = Files.createTempDirectory("zkchain-journal-write");
    try (ZkChainNode node = ZkChainNode.start(TestNodes.config(dir, settings))) {
      ActorSystem<?> system = node.system();
      drive(system, 1_000_001, 200); // warm-up: JIT, pools, sharding
      long start = System.nanoTime();
      long[] waits = drive(system, 1, BATCHES);
      double seconds = (System.nanoTime() - start) / 1e9;
      Arrays.sort(waits);
      return new Result(waits.length / seconds, waits[waits.length / 2] / 1e6);
    }
  }

  /** Batches first..first+count-1 through their three transitions; the nanoseconds each one waited. */
  static long[] drive(ActorSystem<?> system, long first, int count) {
    List<Long> waits = Source.range(0, count - 1)
        .mapAsyncUnordered(CONCURRENCY, i -> lifecycle(system, first + i))
        .mapConcat(l -> l)
        .runWith(Sink.seq(), system)
        .toCompletableFuture().join();
    return waits.stream().mapToLong(Long::longValue).toArray();
  }

  static CompletionStage<List<Long>> lifecycle(ActorSystem<?> system, long n) {
    byte[] transactions = new byte[TRANSACTION_BYTES];
    new Random(n).nextBytes(transactions);
    BatchData feed = new BatchData(transactions, 1_767_225_600L + n, "0x" + "c0".repeat(20), BatchEntity.Source.FEED);
    BatchData l1 = new BatchData(transactions, feed.timestamp(), feed.coinbase(), BatchEntity.Source.L1);
    String root = String.format("0x%064x", n);
    L1Ref sequenced = new L1Ref(1_000 + n, String.format("0x%064x", 2 * n), String.format("0x%064x", 3 * n), 0);
    L1Ref verified = new L1Ref(2_000 + n, String.format("0x%064x", 5 * n), String.format("0x%064x", 7 * n), 0);
    List<Long> waits = new ArrayList<>(3);
    return timed(waits, () -> TestNodes.ask(system, n, r -> new BatchEntity.RecordTrusted(feed, root, root, r)))
        .thenCompose(s -> timed(waits, () -> TestNodes.ask(system, n,
            r -> new BatchEntity.Virtualize(l1, root, root, sequenced, r))))
        .thenCompose(s -> timed(waits, () -> TestNodes.ask(system, n,
            r -> new BatchEntity.Consolidate(root, verified, r))))
        .thenApply(s -> waits);
  }

  static <T> CompletionStage<T> timed(List<Long> waits, java.util.function.Supplier<CompletionStage<T>> ask) {
    long t0 = System.nanoTime();
    return ask.get().thenApply(r -> {
      waits.add(System.nanoTime() - t0);
      return r;
    });
  }

  static List<Integer> ints(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::valueOf).toList();
  }
}
