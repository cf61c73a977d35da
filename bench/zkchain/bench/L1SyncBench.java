package zkchain.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import zkchain.derive.L1Status;
import zkchain.devnet.Anvil;
import zkchain.node.ZkChainNode;
import zkchain.testing.L1Workload;
import zkchain.testing.TestNodes;

/**
 * How fast a node syncs the rollup from L1 alone: batches of 100 transfers, sequenced 10 per L1
 * transaction on a real anvil, then a fresh node (H2) started against it and timed until its
 * Virtual head reaches the last batch. Prints figures, asserts nothing. Run:
 *
 * <pre>mvn -o -q -Pbench test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.L1SyncBench [-Dbatches=500]</pre>
 */
public final class L1SyncBench {
  public static void main(String[] args) throws Exception {
    int batches = Integer.getInteger("batches", 500);
    int perCall = 10;
    try (Anvil anvil = L1Workload.startL1(); L1Workload l1 = L1Workload.deploy(anvil)) {
      long t0 = System.nanoTime();
      l1.transfersPerBatch(100).sequence(perCall, batches / perCall);
      System.out.printf("prepared: %d batches x 100 transfers in %d L1 transactions (%.1f s)%n",
          batches, batches / perCall, (System.nanoTime() - t0) / 1e9);

      Path dir = Files.createTempDirectory("zkchain-l1-bench");
      Path rollup = dir.resolve("rollup.json");
      l1.deployment().write(rollup);
      long start = System.nanoTime();
      try (ZkChainNode node = ZkChainNode.start(TestNodes.config(dir.resolve("node"), Map.of(
          "zkchain.l1.url", anvil.url(),
          "zkchain.l1.rollup-file", rollup.toString(),
          "zkchain.l1.poll-interval", "50ms",
          "zkchain.l1.logs-chunk-size", 20)))) {
        L1Status status = L1Status.get(node.system());
        boolean done = TestNodes.eventually(Duration.ofMinutes(20),
            () -> status.snapshot().virtualHead() >= batches);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!done) throw new IllegalStateException("sync did not finish: " + status.snapshot());
        Map<L1Status.Stage, Double> spent = status.secondsSpent();
        System.out.printf("synced %d batches (%d transfers) to Virtual in %.2f s, node start included%n",
            batches, batches * 100, seconds);
        System.out.printf("  %.1f batches/s, %.0f transfers/s%n", batches / seconds, batches * 100 / seconds);
        System.out.println("  " + PhysicalLimits.nativeRecoveryLine(Duration.ofSeconds(6)));
        System.out.printf("  time per stage (stages overlap, so they add up to more than the wall time):%n");
        spent.forEach((stage, s) -> System.out.printf("    %-10s %7.2f s%n", stage.name().toLowerCase(), s));
      }
    }
  }
}
