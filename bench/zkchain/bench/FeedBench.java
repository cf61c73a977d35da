package zkchain.bench;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.batch.BatchEntity;
import zkchain.batch.StageHeads;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.feed.FeedServer;
import zkchain.feed.JdbcFeedLog;
import zkchain.infra.Database;
import zkchain.node.ZkChainNode;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.protocol.Txs;
import zkchain.runtime.Boot;
import zkchain.testing.LocalRollup;
import zkchain.testing.TestNodes;

/**
 * The Trusted stage of one node fed by a real feed server: latency from a batch's append to the
 * feed to its TrustedRecorded event (batches published one by one at a steady rate), then the
 * throughput of a backlog (batches and transfers per second). 100 transfers a batch, H2.
 * Prints figures, asserts nothing. Run:
 *
 * <pre>mvn -o -q -Pbench test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.FeedBench</pre>
 */
public final class FeedBench {
  static final int TRANSFERS = 100;
  static final int LIVE = Integer.getInteger("live", 100);
  static final int BACKLOG = Integer.getInteger("backlog", 300);
  static final double LIVE_PER_SECOND = 10;

  public static void main(String[] args) throws Exception {
    Genesis genesis = Genesis.load(LocalRollup.GENESIS_FILE);
    List<BatchMessage> batches = signedBatches(genesis, LIVE + BACKLOG);
    Path dir = Files.createTempDirectory("zkchain-feed-bench");
    try (LocalRollup rollup = new LocalRollup(dir)) {
      // the upstream: a feed server over a feed log the bench appends to, as a sequencer does
      ActorSystem<Void> upstream = Boot.system(TestNodes.config(dir.resolve("upstream"), Map.of()));
      JdbcFeedLog log = new JdbcFeedLog(Database.get(upstream).dataSource(), upstream.executionContext(), 16);
      ServerBinding binding = Http.get(upstream).newServerAt("127.0.0.1", 0)
          .bind(new FeedServer(upstream, log, FeedServer.Settings.from(upstream.settings().config())).route())
          .toCompletableFuture().join();
      ZkChainNode node = rollup.startNode("node",
          List.of("ws://127.0.0.1:" + binding.localAddress().getPort() + "/feed"));

      // latency: one batch every 100 ms, each timed from its append to its TrustedRecorded event
      Map<Long, Long> appendedAt = new ConcurrentHashMap<>();
      for (int i = 0; i < LIVE; i++) {
        BatchMessage m = batches.get(i);
        appendedAt.put(m.batch().number(), System.currentTimeMillis());
        log.append(m);
        Thread.sleep((long) (1000 / LIVE_PER_SECOND));
      }
      await(node, LIVE);
      long[] latencies = new long[LIVE];
      for (int n = 1; n <= LIVE; n++) {
        var s = BatchEntity.ref(node.system(), n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT).toCompletableFuture().join();
        latencies[n - 1] = s.history().get(0).at().toEpochMilli() - appendedAt.get((long) n);
      }
      Arrays.sort(latencies);
      System.out.printf("feed-to-Trusted latency over %d batches of %d transfers published at %.0f/s: "
              + "p50 %d ms, p99 %d ms, max %d ms%n", LIVE, TRANSFERS, LIVE_PER_SECOND,
          latencies[LIVE / 2], latencies[(int) Math.ceil(LIVE * 0.99) - 1], latencies[LIVE - 1]);

      // throughput: a backlog appended at once, timed until the node's Trusted head reaches it
      long start = System.nanoTime();
      for (int i = LIVE; i < LIVE + BACKLOG; i++) log.append(batches.get(i));
      await(node, LIVE + BACKLOG);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("Trusted throughput on a backlog of %d batches: %.1f batches/s, %.0f transfers/s (%.2f s)%n",
          BACKLOG, BACKLOG / seconds, BACKLOG * TRANSFERS / seconds, seconds);
      System.out.println(PhysicalLimits.nativeRecoveryLine(Duration.ofSeconds(6)));
      binding.unbind();
      upstream.terminate();
    }
  }

  static void await(ZkChainNode node, long trusted) {
    var ds = Database.get(node.system()).dataSource();
    if (!TestNodes.eventually(Duration.ofMinutes(10), () -> StageHeads.read(ds).trusted() >= trusted)) {
      throw new IllegalStateException("the node did not reach Trusted " + trusted);
    }
  }

  /** Batches of real transfers from the ten dev accounts, executed and signed as the sequencer does. */
  static List<BatchMessage> signedBatches(Genesis genesis, int count) {
    var store = new InMemoryNodeStore();
    var executor = new Executor(store, genesis.chainConfig());
    Hash32 root = genesis.write(store);
    Hash32 acc = AccInputHash.GENESIS;
    Credentials sequencer = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));
    List<Credentials> wallets = DevKeys.PRIVATE_KEYS.stream().map(Credentials::create).toList();
    long[] nonces = new long[wallets.size()];
    List<BatchMessage> out = new ArrayList<>(count);
    for (int n = 1; n <= count; n++) {
      List<byte[]> txs = new ArrayList<>(TRANSFERS);
      for (int t = 0; t < TRANSFERS; t++) {
        int w = t % wallets.size();
        txs.add(Txs.legacy(wallets.get(w), genesis.chainId(), nonces[w]++, 1,
            Address.of(String.format("0x%040x", 0x10000 + (n * TRANSFERS + t) % 5000)), BigInteger.ONE));
      }
      Batch batch = new Batch(n, zkchain.protocol.BatchTransactions.encode(txs), 1_767_225_600L + n,
          Address.of(sequencer.getAddress()));
      root = executor.execute(root, batch).stateRoot();
      acc = AccInputHash.next(acc, batch);
      out.add(BatchMessage.signed(genesis.chainId(), batch, root, acc, sequencer.getEcKeyPair()));
    }
    return out;
  }
}
