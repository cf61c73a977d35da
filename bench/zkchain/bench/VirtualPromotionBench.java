package zkchain.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import zkchain.batch.BatchEntity;
import zkchain.bench.BenchRollup.Db;
import zkchain.bench.Runs.Figure;
import zkchain.infra.Database;
import zkchain.node.ZkChainNode;
import zkchain.protocol.FeedMessage.BatchMessage;

/**
 * Virtual for batches already Trusted with identical data (figure 4 of issue 8, item 6). Each run,
 * on a fresh L1: a fresh node (H2 unless -Ddb=postgres) takes {@code -Dbatches} batches of
 * {@code -Dtransfers} transfers from the feed and records them Trusted; then L1 sequences the very
 * same batches, {@code -DperCall} a call (10). The node reads L1 that many blocks behind its head
 * ({@code zkchain.l1.confirmations}), so it sees none of them until the benchmark mines as many
 * empty blocks at once; timed from there until its Virtual head reaches the last batch, reading
 * {@code -DlogsChunk} L1 blocks at a time (20). Limits of the same run: the journal (one Virtualized
 * event a batch: raw batched JDBC inserts of that event's bytes into the node's database,
 * delivery-parallelism rows a commit) and native sender recovery on all cores, as the batches a
 * second it would allow if each batch's senders were recovered again. Prints figures, asserts
 * nothing. Run:
 *
 * <pre>mvn -o -q -Pbench exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.VirtualPromotionBench [-Druns=3] [-Dbatches=300]</pre>
 */
public final class VirtualPromotionBench {
  public static void main(String[] args) {
    int count = Integer.getInteger("batches", 300);
    int transfers = SignedBatches.TRANSFERS;
    Db db = Db.fromProperty("h2").get(0);
    Runs runs = new Runs("VirtualPromotionBench", 3);
    System.out.printf("VirtualPromotionBench: %d batches of %d transfers Trusted from the feed, then on L1, %s; %s; "
        + "%d cores%n", count, transfers, BenchRollup.l1Line(), db.label(), PhysicalLimits.cores());
    List<BatchMessage> batches = SignedBatches.transfers(BenchRollup.GENESIS, count, transfers);
    // Blocks the node stays behind L1's head: more than the deployment and the sequencing calls take.
    int hidden = count / BenchRollup.PER_CALL + 100;
    for (int run = 1; run <= runs.count(); run++) {
      runs.start(run, "a fresh L1 and node");
      try (BenchRollup rollup = BenchRollup.onAnvil(); FeedUpstream upstream = FeedUpstream.serving(batches)) {
        Map<String, Object> settings = new HashMap<>(BenchRollup.readingL1());
        settings.put("zkchain.l1.confirmations", hidden);
        ZkChainNode node = rollup.startNode("node", db, List.of(upstream.url()), settings);
        upstream.publishUpTo(count);
        BenchRollup.awaitTrusted(node, count);
        rollup.sequence(batches);
        if (node.l1().orElseThrow().virtualHead() > 0) {
          throw new IllegalStateException("the node saw L1's sequencing before the benchmark mined: raise `hidden`");
        }

        Instant start = Instant.now();
        rollup.mine(hidden);
        BenchRollup.awaitVirtual(node, count);
        double seconds = Duration.between(start, Instant.now()).toNanos() / 1e9;
        for (long n : new long[] {1, (count + 1) / 2, count}) {
          BatchEntity.State s = BenchRollup.state(node.system(), n);
          if (s.stage() != BatchEntity.Stage.VIRTUAL || s.current().trustedReorg() != null
              || !s.history().get(0).event().equals("trusted-recorded")) {
            throw new IllegalStateException("batch " + n + " did not go from Trusted to Virtual with the same data: "
                + s.history());
          }
        }

        BenchRollup.awaitHeads(node, heads -> heads.virtual() >= count);
        BatchMessage first = batches.get(0);
        byte[] event = PhysicalLimits.journalPayload(node.system(), new BatchEntity.Virtualized(1,
            BatchEntity.BatchData.of(first.batch(), BatchEntity.Source.L1), first.stateRoot().hex(),
            first.accInputHash().hex(), new BatchEntity.L1Ref(1, first.stateRoot().hex(), first.stateRoot().hex(), 0),
            List.of(), null, Instant.now()));
        int parallelism = node.system().settings().config().getInt("zkchain.l1.delivery-parallelism");
        double rows = PhysicalLimits.rawJdbcInsertRate(Database.get(node.system()).dataSource(), event, parallelism, 1,
            Duration.ofSeconds(5));
        double recoveries = PhysicalLimits.nativeRecoveryRate(Duration.ofSeconds(6));
        runs.add(Figure.rate("Virtual of Trusted batches", count / seconds, "batches/s",
            String.format("raw JDBC inserts of a Virtualized event (%,d B), %d a commit, %s", event.length, parallelism,
                db.label()), rows, "rows/s"));
        runs.add(Figure.rate("  the same, against executing them again", count / seconds, "batches/s",
            String.format("native recovery, all cores, %d a batch", transfers), recoveries / transfers, "batches/s"));
      }
    }
    runs.summary();
  }
}
