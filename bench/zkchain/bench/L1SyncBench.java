package zkchain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import zkchain.bench.BenchRollup.Db;
import zkchain.bench.Runs.Figure;
import zkchain.node.ZkChainNode;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.testing.TestNodes;

/**
 * L1 sync of batches never seen on the feed (figure 3 of issue 8, item 6): {@code -Dbatches}
 * batches of {@code -Dtransfers} transfers, sequenced {@code -DperCall} a call on anvil once; then,
 * each run, a fresh node (H2 unless -Ddb=postgres) following L1 alone, timed from the end of its
 * start until its Virtual head reaches the last batch, reading {@code -DlogsChunk} L1 blocks at a
 * time. Limit of the same run: native sender recovery on all cores. Also prints the node's start
 * and the time its derivation spent per stage (from /status; the stages overlap). Prints figures,
 * asserts nothing. Run:
 *
 * <pre>mvn -o -q -Pbench exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.L1SyncBench [-Druns=3] [-Dbatches=500]</pre>
 */
public final class L1SyncBench {
  public static void main(String[] args) throws Exception {
    int count = Integer.getInteger("batches", 500);
    int transfers = SignedBatches.TRANSFERS;
    Db db = Db.fromProperty("h2").get(0);
    Runs runs = new Runs("L1SyncBench", 3);
    System.out.printf("L1SyncBench: %d batches of %d transfers, %s; %s; %d cores%n", count, transfers,
        BenchRollup.l1Line(), db.label(), PhysicalLimits.cores());
    List<BatchMessage> batches = SignedBatches.transfers(BenchRollup.GENESIS, count, transfers);
    try (BenchRollup rollup = BenchRollup.onAnvil()) {
      long t0 = System.nanoTime();
      rollup.sequence(batches);
      System.out.printf("sequenced on L1 in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      for (int run = 1; run <= runs.count(); run++) {
        runs.start(run, "a fresh node syncing from L1 alone");
        long start = System.nanoTime();
        ZkChainNode node = rollup.startNode("node-" + run, db, List.of(), BenchRollup.readingL1());
        long started = System.nanoTime();
        BenchRollup.awaitVirtual(node, count);
        double seconds = (System.nanoTime() - started) / 1e9;
        JsonNode spent = new ObjectMapper().readTree(TestNodes.get(node.httpUrl() + "/status").body())
            .path("l1").path("secondsSpent");
        double recoveries = PhysicalLimits.nativeRecoveryRate(Duration.ofSeconds(6));
        runs.add(Figure.rate("L1 sync to Virtual", count * transfers / seconds, "transfers/s",
            "native recovery, all cores", recoveries, "recoveries/s"));
        runs.add(Figure.alone("  the same in batches", count / seconds, "batches/s"));
        runs.add(Figure.alone("  node start (not in the figure)", (started - start) / 1e9, "s"));
        spent.fields().forEachRemaining(stage -> runs.add(Figure.alone(
            "  derivation time in " + stage.getKey(), stage.getValue().asDouble(), "s")));
        rollup.stop(node);
      }
    }
    runs.summary();
  }
}
