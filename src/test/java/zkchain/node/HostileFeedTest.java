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
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.batch.BatchEntity;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage.Heartbeat;
import zkchain.protocol.Hash32;
import zkchain.protocol.Txs;
import zkchain.testing.LocalRollup;
import zkchain.testing.TestNodes;

/**
 * A real node behind a feed that misbehaves on its first connection: malformed JSON, an oversize
 * frame, a forged signature, a wrong chain id and a wrong state root. Each is rejected and counted;
 * the node reconnects from the batch it needs and ends in sync. And a real node whose first feed
 * trickles a frame in: it gives that feed up and syncs from the next.
 */
class HostileFeedTest extends AllDirectives {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Genesis GENESIS = Genesis.load(LocalRollup.GENESIS_FILE);
  static final Credentials SEQUENCER = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));
  static final Credentials FORGER = Credentials.create(DevKeys.key(7));
  static final int BATCHES = 5;

  static ActorTestKit testKit;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("hostile-feed", ConfigFactory.parseString(
        "akka.actor.provider = local\nakka.remote.artery.canonical.port = 0").withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** Batches 1..BATCHES of real transfers, executed from the genesis and signed by the sequencer. */
  static List<BatchMessage> goodBatches() {
    var store = new InMemoryNodeStore();
    var executor = new Executor(store, GENESIS.chainConfig());
    Hash32 root = GENESIS.write(store);
    Hash32 acc = AccInputHash.GENESIS;
    List<BatchMessage> out = new ArrayList<>();
    Credentials alice = Credentials.create(DevKeys.key(5));
    for (int n = 1; n <= BATCHES; n++) {
      byte[] tx = Txs.legacy(alice, GENESIS.chainId(), n - 1, 1, Address.of(String.format("0x%040x", 0xabc + n)),
          BigInteger.valueOf(n));
      Batch batch = new Batch(n, Txs.batch(tx), 1_767_225_600L + n, Address.of(SEQUENCER.getAddress()));
      root = executor.execute(root, batch).stateRoot();
      acc = AccInputHash.next(acc, batch);
      out.add(BatchMessage.signed(GENESIS.chainId(), batch, root, acc, SEQUENCER.getEcKeyPair()));
    }
    return out;
  }

  @Test
  void everyHostileFrameIsRejectedAndTheNodeEndsInSync() throws Exception {
    List<BatchMessage> good = goodBatches();
    BatchMessage first = good.get(0);
    List<String> hostile = List.of(
        "{\"type\":\"batch\",\"number\":",                                                   // malformed JSON
        "{\"type\":\"heartbeat\",\"head\":1,\"pad\":\"" + "x".repeat(300_000) + "\"}",       // oversize frame
        BatchMessage.signed(first.chainId(), first.batch(), first.stateRoot(), first.accInputHash(),
            FORGER.getEcKeyPair()).toJson(),                                                   // forged signature
        BatchMessage.signed(first.chainId() + 1, first.batch(), first.stateRoot(), first.accInputHash(),
            SEQUENCER.getEcKeyPair()).toJson(),                                                // wrong chain id
        BatchMessage.signed(first.chainId(), first.batch(), Hash32.of("0x" + "ee".repeat(32)), first.accInputHash(),
            SEQUENCER.getEcKeyPair()).toJson());                                               // wrong state root
    AtomicInteger connections = new AtomicInteger();
    Route route = path("feed", () -> parameter("from", from -> {
      long start = Long.parseLong(from);
      List<String> frames = new ArrayList<>(connections.getAndIncrement() == 0 ? hostile : List.of());
      good.stream().filter(m -> m.batch().number() >= start).forEach(m -> frames.add(m.toJson()));
      Source<Message, ?> out = Source.from(frames).<Message>map(TextMessage::create).concat(Source.maybe());
      return handleWebSocketMessages(Flow.fromSinkAndSourceCoupled(Sink.ignore(), out));
    }));
    ServerBinding hostileFeed = Http.get(testKit.system()).newServerAt("127.0.0.1", 0).bind(route)
        .toCompletableFuture().join();
    try (LocalRollup rollup = new LocalRollup(dir)) {
      ZkChainNode node = rollup.startNode("node",
          List.of("ws://127.0.0.1:" + hostileFeed.localAddress().getPort() + "/feed"));
      NodeLifecycleTest.assertHeads(node, BATCHES, 0, 0);
      for (int n = 1; n <= BATCHES; n++) {
        BatchEntity.State s = BatchEntity.ref(node.system(), n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT)
            .toCompletableFuture().join();
        assertEquals(good.get(n - 1).stateRoot().hex(), s.current().stateRoot(), "batch " + n);
      }
      JsonNode feed = JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body()).get("feed");
      for (String reason : List.of("malformed", "oversize", "bad-signature", "wrong-chain")) {
        assertEquals(1, feed.get("rejected").get(reason).asLong(), reason + " in " + feed);
      }
      assertEquals(1, feed.get("executed").get("state-root-differs").asLong(), feed.toString());
      assertTrue(connections.get() >= 2, "reconnected from the batch it needed");
    } finally {
      hostileFeed.unbind();
    }
  }

  @Test
  void aFrameTrickledInIsGivenUpAndTheNodeReachesTheHeadThroughTheNextFeed() throws Exception {
    List<BatchMessage> good = goodBatches();
    String frame = good.get(0).toJson();
    AtomicInteger slowConnections = new AtomicInteger();
    Route route = concat(
        // A valid-looking batch frame as a streamed message, one character a second, never finished.
        path("slow-feed", () -> {
          slowConnections.incrementAndGet();
          Source<String, ?> trickle = Source.from(frame.chars().mapToObj(c -> String.valueOf((char) c)).toList())
              .throttle(1, Duration.ofSeconds(1))
              .concat(Source.maybe());
          Source<Message, ?> out = Source.<Message>single(TextMessage.create(trickle)).concat(Source.maybe());
          return handleWebSocketMessages(Flow.fromSinkAndSourceCoupled(Sink.ignore(), out));
        }),
        path("feed", () -> parameter("from", from -> {
          long start = Long.parseLong(from);
          // then a heartbeat a second, as a live feed sends, so the good feed is never silent
          Source<Message, ?> out = Source.from(good).filter(m -> m.batch().number() >= start).map(BatchMessage::toJson)
              .concat(Source.tick(Duration.ZERO, Duration.ofSeconds(1), new Heartbeat(BATCHES).toJson()))
              .map(TextMessage::create);
          return handleWebSocketMessages(Flow.fromSinkAndSourceCoupled(Sink.ignore(), out));
        })));
    ServerBinding feeds = Http.get(testKit.system()).newServerAt("127.0.0.1", 0).bind(route)
        .toCompletableFuture().join();
    String base = "ws://127.0.0.1:" + feeds.localAddress().getPort();
    try (LocalRollup rollup = new LocalRollup(dir)) {
      // Silence would wait longer than the frame bound: the bound is what gives the slow feed up.
      ZkChainNode node = rollup.startNode("node", List.of(base + "/slow-feed", base + "/feed"),
          Map.of("zkchain.feed.client.frame-timeout", "2s", "zkchain.feed.client.silence-timeout", "10s"));
      NodeLifecycleTest.assertHeads(node, BATCHES, 0, 0);
      JsonNode feed = JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body()).get("feed");
      assertEquals(1, feed.get("slowFrames").asLong(), feed.toString());
      assertEquals(1, feed.get("failovers").asLong(), feed.toString());
      assertEquals(BATCHES, feed.get("executed").get("recorded").asLong(), feed.toString());
      assertEquals(1, slowConnections.get(), "the slow feed was given up once, and not gone back to");
    } finally {
      feeds.unbind();
    }
  }
}
