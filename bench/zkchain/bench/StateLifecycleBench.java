package zkchain.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.aggregator.AttestationProof;
import zkchain.batch.BatchEntity;
import zkchain.bench.BenchRollup.Db;
import zkchain.bench.Runs.Figure;
import zkchain.execution.InMemoryNodeStore;
import zkchain.infra.Database;
import zkchain.l1.L1Sender;
import zkchain.l1.ZkChainRollup;
import zkchain.node.ZkChainNode;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.state.Replay;
import zkchain.state.Snapshot;
import zkchain.state.TriePruner;
import zkchain.testing.TestNodes;

/**
 * The state lifecycle of issue 10 on a node of {@code -Dbatches} batches (10,000) of
 * {@code -Dtransfers} transfers (100), synced from anvil and verified on L1: replay's rate
 * (batches/s, transfers/s) beside native sender recovery on all cores measured in the same run;
 * snapshot export and import time and size; the trie store's bytes per batch without pruning and
 * with keep-roots = 100. One run by default. Prints figures, asserts nothing. Run:
 *
 * <pre>mvn -o -q -Pbench exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.StateLifecycleBench [-Dbatches=10000]</pre>
 */
public final class StateLifecycleBench {
  static final int REORG_WINDOW = Integer.getInteger("reorgWindow", 10);

  public static void main(String[] args) throws Exception {
    try {
      run();
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1);
    }
    System.exit(0); // the nodes' and anvil's threads would keep the JVM
  }

  static void run() throws Exception {
    int count = Integer.getInteger("batches", 10_000);
    int transfers = SignedBatches.TRANSFERS;
    int keepRoots = Integer.getInteger("keepRoots", 100);
    System.out.printf("reorg window %d L1 blocks, keep-roots %d%n", REORG_WINDOW, keepRoots);
    Runs runs = new Runs("StateLifecycleBench", 1);
    System.out.printf("StateLifecycleBench: %d batches of %d transfers, %s; H2 file; %d cores%n", count, transfers,
        BenchRollup.l1Line(), PhysicalLimits.cores());
    long t0 = System.nanoTime();
    List<BatchMessage> batches = SignedBatches.transfers(BenchRollup.GENESIS, count, transfers);
    System.out.printf("signed in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    try (BenchRollup rollup = BenchRollup.onAnvil()) {
      t0 = System.nanoTime();
      rollup.sequence(batches);
      System.out.printf("sequenced on L1 in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      Map<String, Object> settings = new HashMap<>(BenchRollup.readingL1());
      // anvil seals a block per sequencing call: the default window of 256 blocks would hold the
      // whole chain (on a real L1 it is 51 minutes), and keep every root from pruning
      settings.put("zkchain.l1.reorg-window", REORG_WINDOW);
      ZkChainNode node = rollup.startNode("node", Db.H2, List.of(), settings);
      Config config = node.system().settings().config();
      t0 = System.nanoTime();
      BenchRollup.awaitVirtual(node, count);
      System.out.printf("the node synced to Virtual in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      BatchEntity.State head = BenchRollup.state(node.system(), count);
      verifyOnL1(rollup, count, head);
      // every batch Consolidated (the head is the highest one, and deliveries run in parallel)
      for (long n = 1; n <= count; n++) {
        while (BenchRollup.state(node.system(), n).stage() != BatchEntity.Stage.CONSOLIDATED) {
          BenchRollup.sleep(Duration.ofMillis(100));
        }
      }
      rollup.stop(node);
      long unprunedBytes = trieBytes(config);

      for (int run = 1; run <= runs.count(); run++) {
        runs.start(run, "replay --verify of the stopped node's journal, then a snapshot export and import");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int code = Replay.run(config, Replay.Options.verifyAll(), new PrintStream(out, true, StandardCharsets.UTF_8),
            System.err, false);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.print(out.toString(StandardCharsets.UTF_8));
        if (code != Replay.OK) throw new IllegalStateException("replay exited " + code);
        double recoveries = PhysicalLimits.nativeRecoveryRate(Duration.ofSeconds(6));
        runs.add(Figure.rate("replay --verify", (double) count * transfers / seconds, "transfers/s",
            "native recovery, all cores", recoveries, "recoveries/s"));
        runs.add(Figure.alone("  the same in batches", count / seconds, "batches/s"));

        Path file = rollup.dir().resolve("snapshot-" + run + ".zip");
        start = System.nanoTime();
        code = Snapshot.run(snapshot(config, "export", file), System.out, System.err);
        double exportSeconds = (System.nanoTime() - start) / 1e9;
        if (code != Snapshot.OK) throw new IllegalStateException("snapshot export exited " + code);
        runs.add(Figure.alone("snapshot export", exportSeconds, "s"));
        runs.add(Figure.alone("  snapshot size", Files.size(file) / 1e6, "MB"));
        Config empty = TestNodes.config(rollup.dir().resolve("imported-" + run), Map.of(
            "zkchain.l1.url", rollup.l1Url(), "zkchain.l1.rollup-file", rollup.rollupFile().toString()));
        start = System.nanoTime();
        code = Snapshot.run(snapshot(empty, "import", file), System.out, System.err);
        double importSeconds = (System.nanoTime() - start) / 1e9;
        if (code != Snapshot.OK) throw new IllegalStateException("snapshot import exited " + code);
        runs.add(Figure.alone("snapshot import (checked against L1)", importSeconds, "s"));
      }

      // pruning: the same node again with keep-roots, one run of its pruner once it is up
      Map<String, Object> pruning = new HashMap<>(settings);
      pruning.put("zkchain.state.keep-roots", keepRoots);
      pruning.put("zkchain.state.prune-interval", "1h");
      node = rollup.startNode("node", Db.H2, List.of(), pruning);
      long start = System.nanoTime();
      TriePruner.Run pruned = node.pruner().orElseThrow().runOnce(Duration.ZERO).orElseThrow();
      double pruneSeconds = (System.nanoTime() - start) / 1e9;
      rollup.stop(node);
      long prunedBytes = trieBytes(config);
      runs.add(Figure.alone("trie store per batch, no pruning", unprunedBytes / (double) count, "bytes"));
      runs.add(Figure.alone("trie store per batch, keep-roots " + keepRoots, prunedBytes / (double) count, "bytes"));
      runs.add(Figure.alone("  nodes deleted by one prune run", pruned.deleted(), "nodes"));
      runs.add(Figure.alone("  its time", pruneSeconds, "s"));
    }
    runs.summary();
  }

  static Config snapshot(Config node, String command, Path file) {
    return ConfigFactory.parseMap(Map.of("zkchain.snapshot.command", command, "zkchain.snapshot.file",
        file.toString())).withFallback(node);
  }

  /** The trie store's rows as stored: hash, node and mark. */
  static long trieBytes(Config config) throws Exception {
    Database.Settings s = Database.Settings.from(config);
    try (Connection c = java.sql.DriverManager.getConnection(s.url(), s.user(), s.password());
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT COUNT(*), COALESCE(SUM(OCTET_LENGTH(node)), 0) FROM trie_node")) {
      rs.next();
      return rs.getLong(1) * (32 + 8) + rs.getLong(2);
    }
  }

  /** Verifies 1..n on L1 with the node's root, as the trusted aggregator with the dev prover's attestation. */
  static void verifyOnL1(BenchRollup rollup, long n, BatchEntity.State head) throws Exception {
    Web3j web3j = Web3j.build(new HttpService(rollup.l1Url()));
    try {
      long l1ChainId = web3j.ethChainId().send().getChainId().longValueExact();
      Credentials aggregator = Credentials.create(DevKeys.key(DevKeys.AGGREGATOR));
      ZkChainRollup contract = ZkChainRollup.at(new L1Sender(web3j, aggregator, l1ChainId, Duration.ofMillis(10),
          Duration.ofSeconds(60)), rollup.rollupAddress());
      Hash32 genesisRoot = BenchRollup.GENESIS.write(new InMemoryNodeStore());
      BigInteger snark = AttestationProof.inputSnark(aggregator.getAddress(), genesisRoot.bytes(), Hash32.ZERO.bytes(),
          0, BenchRollup.GENESIS.chainId(), Hash32.of(head.current().stateRoot()).bytes(),
          Hash32.of(head.current().accInputHash()).bytes(), n);
      contract.verifyBatchesTrustedAggregator(0, n, head.current().stateRoot(),
          AttestationProof.sign(snark, Credentials.create(DevKeys.key(DevKeys.PROVER)).getEcKeyPair()));
    } finally {
      web3j.shutdown();
    }
  }
}
