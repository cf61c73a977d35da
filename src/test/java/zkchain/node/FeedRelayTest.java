package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.TextMessage;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.stream.KillSwitches;
import akka.stream.SharedKillSwitch;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.batch.BatchEntity;
import zkchain.devnet.Anvil;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage.Heartbeat;
import zkchain.protocol.Hash32;
import zkchain.protocol.Txs;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.L1Workload;
import zkchain.testing.LocalRollup;
import zkchain.testing.TcpProxy;
import zkchain.testing.TestNodes;

/**
 * A node's own /feed is a relay of the batches it accepted, and stays one: when L1 got ahead of
 * its feed, and when the sequencer resends batches after a trusted reorg. Node B follows only
 * node A's feed in both.
 */
class FeedRelayTest extends AllDirectives {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final Genesis GENESIS = Genesis.load(L1Workload.GENESIS_FILE);
  static final Credentials SEQUENCER = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));

  @TempDir Path dir;

  static JsonNode status(ZkChainNode node) {
    try {
      return JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static long head(ZkChainNode node, String stage) {
    return status(node).get("heads").get(stage).asLong();
  }

  static long lastClosedBatch(SequencerRole sequencer) {
    return sequencer.sequencer().head().toCompletableFuture().join().number();
  }

  /** Sends transfers and waits for the batches they closed; returns the last one. */
  static long closeBatches(LocalRollup rollup, SequencerRole sequencer, int transfers) throws Exception {
    long before = lastClosedBatch(sequencer);
    rollup.sendTransfers(transfers);
    assertTrue(TestNodes.eventually(WAIT, () -> lastClosedBatch(sequencer) > before), "batches closed");
    Thread.sleep(1_000); // the open batch closes after its delay
    return lastClosedBatch(sequencer);
  }

  /**
   * Node A follows the sequencer's feed through a proxy the test takes down: meanwhile the
   * sequencer sequences batches on L1 and A makes them Virtual from L1, so A's feed log falls
   * behind its heads. Node B follows only A's feed (and reads L1 far behind, so every batch it has
   * came from A): once A's upstream is back, A fills its log and B keeps up with the sequencer,
   * every batch Trusted from the feed.
   */
  @Test
  void aRelayWhoseFeedFellBehindL1FillsItsLogAndANodeFollowingOnlyItKeepsUp() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir)) {
      SequencerRole sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.batch.max-transactions", 5));
      try (TcpProxy proxy = TcpProxy.to(URI.create(sequencer.feedUrl()).getPort())) {
        Map<String, Object> quickRetry = Map.of("zkchain.feed.client.max-backoff", "1s",
            "zkchain.feed.client.silence-timeout", "10s");
        ZkChainNode a = rollup.startNode("a", List.of(proxy.url().replace("http://", "ws://") + "/feed"), quickRetry);
        Map<String, Object> feedOnly = new java.util.HashMap<>(quickRetry);
        feedOnly.put("zkchain.l1.confirmations", 100_000); // B's L1 stays behind the whole test
        ZkChainNode b = rollup.startNode("b", List.of(LocalRollup.feedUrl(a)), feedOnly);

        long first = closeBatches(rollup, sequencer, 20);
        assertTrue(TestNodes.eventually(WAIT, () -> head(b, "trusted") == first), "B follows A before the cut");

        proxy.down();
        long cut = closeBatches(rollup, sequencer, 30);
        var l1 = rollup.l1View();
        assertTrue(TestNodes.eventually(WAIT, () -> l1.lastBatchSequenced() == cut && head(a, "virtual") == cut),
            "A learnt batches " + (first + 1) + ".." + cut + " from L1 only");
        assertEquals(first, status(a).get("feed").get("logHead").asLong(), "A's feed log is behind its heads");

        proxy.up();
        long last = closeBatches(rollup, sequencer, 20);
        String[] seen = {""};
        boolean caughtUp = TestNodes.eventually(WAIT, () -> {
          seen[0] = "B trusted " + head(b, "trusted") + ", A feed " + status(a).get("feed");
          return head(b, "trusted") == last;
        });
        assertTrue(caughtUp, "B reaches the sequencer's batch " + last + " through A: " + seen[0]);

        for (long n = 1; n <= last; n++) {
          BatchEntity.State s = BatchEntity.ref(b.system(), n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT)
              .toCompletableFuture().join();
          assertEquals(List.of("trusted-recorded"), s.history().stream().map(BatchEntity.Transition::event).toList(),
              "batch " + n + " on B");
          assertEquals(BatchEntity.Source.FEED, s.current().data().source(), "batch " + n + " on B");
        }
        JsonNode bFeed = status(b).get("feed");
        assertEquals(last, bFeed.get("executed").get("recorded").asLong(), bFeed.toString());
        assertEquals(0, bFeed.get("executed").get("parent-unknown").asLong(), "no gap: " + bFeed);

        JsonNode aFeed = status(a).get("feed");
        assertEquals(last, aFeed.get("logHead").asLong(), aFeed.toString());
        assertTrue(aFeed.get("relaying").asBoolean(), aFeed.toString());
        assertTrue(aFeed.get("executed").get("already-virtual").asLong() >= cut - first,
            "A relayed the batches it held from L1 without executing them again: " + aFeed);
      }
    }
  }

  /**
   * The test plays the sequencer: its feed sends batches 1-3, L1 then sequences another batch 2
   * (a trusted reorg: node A discards its Trusted batch 3), and the feed resends batches 3 and 4
   * built on L1's batch 2 (PROTOCOL.md §7). A's feed serves the resent versions in place of the
   * old one, so node B, following only A, reaches batch 4 on L1's chain.
   */
  @Test
  void aRelayServesTheVersionsTheSequencerResendsAfterATrustedReorg() throws Exception {
    try (Anvil anvil = L1Workload.startL1(); L1Workload l1 = L1Workload.deploy(anvil)) {
      Path rollupFile = dir.resolve("rollup.json");
      l1.deployment().write(rollupFile);
      l1.sequence(1, 1);
      Chain feedChain = new Chain(l1);
      BatchMessage one = feedChain.next(l1.batch(1).transactions());
      List<BatchMessage> first = List.of(one, feedChain.next(Txs.batch()), feedChain.next(Txs.batch()));
      ResendingFeed sequencerFeed = new ResendingFeed(first);
      try (sequencerFeed) {
        Map<String, Object> node = Map.of("zkchain.l1.url", anvil.url(), "zkchain.l1.rollup-file",
            rollupFile.toString(), "zkchain.l1.poll-interval", "100ms", "zkchain.feed.client.max-backoff", "1s");
        ZkChainNode a = startNode("a", sequencerFeed.url(), node);
        assertTrue(TestNodes.eventually(WAIT, () -> status(a).get("feed").get("logHead").asLong() == 3),
            "A relays 1-3");

        l1.sequence(1, 1); // L1's batch 2 carries transfers, the feed's none
        assertTrue(TestNodes.eventually(WAIT, () -> head(a, "virtual") == 2 && head(a, "trusted") == 2),
            "A took L1's batch 2 and discarded its Trusted batch 3");
        Chain resent = new Chain(l1);
        resent.next(l1.batch(1).transactions());
        BatchMessage two = resent.next(l1.batch(2).transactions());
        List<BatchMessage> versions = List.of(one, two, resent.next(Txs.batch()), resent.next(Txs.batch()));
        sequencerFeed.resend(versions);

        ZkChainNode b = startNode("b", LocalRollup.feedUrl(a), node);
        String[] seen = {""};
        boolean caughtUp = TestNodes.eventually(WAIT, () -> {
          seen[0] = "B trusted " + head(b, "trusted") + ", A feed " + status(a).get("feed");
          return head(b, "trusted") == 4;
        });
        assertTrue(caughtUp, "B reaches the resent batch 4 through A: " + seen[0]);
        for (long n = 3; n <= 4; n++) {
          BatchEntity.State s = BatchEntity.ref(b.system(), n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT)
              .toCompletableFuture().join();
          assertEquals(versions.get((int) n - 1).stateRoot().hex(), s.current().stateRoot(), "batch " + n + " on B");
        }
        JsonNode aFeed = status(a).get("feed");
        assertEquals(4, aFeed.get("logHead").asLong(), aFeed.toString());
        assertEquals(1, aFeed.get("replaced").asLong(), "batch 3 replaced once: " + aFeed);
        assertTrue(aFeed.get("relaying").asBoolean(), aFeed.toString());
      } finally {
        started.forEach(ZkChainNode::close); // before their L1 goes away
      }
    }
  }

  private final List<ZkChainNode> started = new java.util.ArrayList<>();

  ZkChainNode startNode(String name, String feed, Map<String, Object> settings) {
    Map<String, Object> all = new java.util.HashMap<>(settings);
    all.put("zkchain.feed.client.urls", List.of(feed));
    ZkChainNode node = ZkChainNode.start(TestNodes.config(dir.resolve(name), all));
    started.add(node);
    return node;
  }

  /** Signed batches of empty or given transactions on top of L1's batch 1, executed here for their roots. */
  static final class Chain {
    private final InMemoryNodeStore store = new InMemoryNodeStore();
    private final Executor executor = new Executor(store, GENESIS.chainConfig());
    private final L1Workload l1;
    private Hash32 root = GENESIS.write(store);
    private Hash32 acc = AccInputHash.GENESIS;
    private long number;

    Chain(L1Workload l1) {
      this.l1 = l1;
    }

    BatchMessage next(byte[] transactions) {
      number++;
      long timestamp = l1.batch(Math.min(number, l1.lastBatchSequenced())).timestamp();
      Batch batch = new Batch(number, transactions, timestamp, l1.coinbase());
      root = executor.execute(root, batch).stateRoot();
      acc = AccInputHash.next(acc, batch);
      return BatchMessage.signed(GENESIS.chainId(), batch, root, acc, SEQUENCER.getEcKeyPair());
    }
  }

  /**
   * The sequencer's feed as the test plays it, in an actor system of its own: the current versions
   * from from=, then a heartbeat a second.
   */
  final class ResendingFeed implements AutoCloseable {
    private final ActorTestKit testKit = ActorTestKit.create("sequencer-feed", ConfigFactory.parseString(
        "akka.actor.provider = local\nakka.remote.artery.canonical.port = 0").withFallback(ConfigFactory.load()));
    private volatile List<BatchMessage> versions;
    private volatile SharedKillSwitch connections = KillSwitches.shared("feed");
    private final ServerBinding binding;

    ResendingFeed(List<BatchMessage> versions) {
      this.versions = versions;
      Route route = path("feed", () -> parameter("from", from -> {
        long start = Long.parseLong(from);
        Source<Message, ?> out = Source.from(this.versions).filter(m -> m.batch().number() >= start)
            .map(BatchMessage::toJson)
            .concat(Source.tick(Duration.ZERO, Duration.ofSeconds(1), new Heartbeat(this.versions.size()).toJson()))
            .<Message>map(TextMessage::create)
            .via(connections.flow());
        return handleWebSocketMessages(Flow.fromSinkAndSourceCoupled(Sink.ignore(), out));
      }));
      binding = Http.get(testKit.system()).newServerAt("127.0.0.1", 0).bind(route).toCompletableFuture().join();
    }

    String url() {
      return "ws://127.0.0.1:" + binding.localAddress().getPort() + "/feed";
    }

    /** New versions from now on; open connections are closed, so their clients ask again. */
    void resend(List<BatchMessage> next) {
      versions = next;
      SharedKillSwitch old = connections;
      connections = KillSwitches.shared("feed");
      old.shutdown();
    }

    @Override
    public void close() {
      connections.shutdown();
      testKit.shutdownTestKit();
    }
  }
}
