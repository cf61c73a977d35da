package zkchain.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.feed.FeedFixtures.CHAIN;
import static zkchain.feed.FeedFixtures.SEQUENCER;
import static zkchain.feed.FeedFixtures.await;
import static zkchain.feed.FeedFixtures.eventually;
import static zkchain.feed.FeedFixtures.next;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.http.javadsl.ServerBinding;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.SinkQueueWithCancel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zkchain.feed.FeedFixtures.RawClient;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage;

/** The server's bounds: a live client that stops reading is disconnected; connections over the cap get 503. */
class FeedServerLimitsTest {
  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    // Small socket buffers, so a client that stops reading pushes back on the server after a few frames.
    testKit = FeedFixtures.testKit("""
        akka.http.client.socket-options.so-receive-buffer-size = 8k
        akka.http.server.socket-options.so-send-buffer-size = 8k
        """);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** A 40 kB frame, so few fit in the buffers between the server and a client that stopped reading. */
  static BatchMessage big(long number) {
    return FeedFixtures.batch(number, 20_000, CHAIN, SEQUENCER);
  }

  @Test
  void aLiveClientThatStopsReadingIsDisconnectedAndOthersAreNot() {
    JdbcFeedLog log = FeedFixtures.h2Log(testKit.system(), "slow", 4);
    FeedServer server = new FeedServer(testKit.system(), log, new FeedServer.Settings(Duration.ofMillis(100), 5, 8));
    ServerBinding binding = FeedFixtures.bind(testKit.system(), server.route());
    String url = FeedFixtures.feedUrl(binding);
    // Both clients start at the head, so both are live; the raw one never reads.
    RawClient stalled = RawClient.connect(testKit.system(), url + "?from=1");
    assertEquals(101, stalled.status());
    FeedMetrics metrics = new FeedMetrics();
    SinkQueueWithCancel<BatchMessage> reader = FeedSource.from(List.of(url), () -> 1,
        () -> FeedFixtures.SEQUENCER_ADDRESS, CHAIN, FeedServerTest.CLIENT, metrics).runWith(Sink.queue(), testKit.system());
    eventually("both clients connected", () -> server.connections() == 2);
    // One batch at a time, each read by the reader before the next, so only the stalled client lags.
    long n = 0;
    while (server.slowClientsDisconnected() == 0 && n < 2_000) {
      log.append(big(++n));
      assertEquals(big(n), next(reader), "batch " + n);
    }
    assertEquals(1, server.slowClientsDisconnected(), "the stalled client, once " + n + " batches were out");
    eventually("the stalled client's connection ended", () -> server.connections() == 1);
    // The reader stayed connected throughout and keeps receiving.
    log.append(big(n + 1));
    assertEquals(big(n + 1), next(reader));
    assertEquals(0, metrics.reconnects(), metrics.toString());
    reader.cancel();
    stalled.close();

    // A disconnected client resumes with from.
    RawClient resumed = RawClient.connect(testKit.system(), url + "?from=" + (n - 1));
    List<String> frames = new ArrayList<>();
    while (frames.size() < 2) {
      String frame = next(resumed.frames());
      if (FeedMessage.parse(frame) instanceof BatchMessage) frames.add(frame);
    }
    assertEquals(List.of(big(n - 1).toJson(), big(n).toJson()), frames);
    resumed.close();
    await(binding.unbind());
    server.closeConnections();
  }

  @Test
  void connectionsOverTheCapAreRefusedWith503() {
    JdbcFeedLog log = FeedFixtures.h2Log(testKit.system(), "cap", 4);
    log.append(FeedFixtures.batch(1));
    FeedServer server = new FeedServer(testKit.system(), log, new FeedServer.Settings(Duration.ofMillis(200), 100, 2));
    ServerBinding binding = FeedFixtures.bind(testKit.system(), server.route());
    String url = FeedFixtures.feedUrl(binding) + "?from=1";
    RawClient first = RawClient.connect(testKit.system(), url);
    RawClient second = RawClient.connect(testKit.system(), url);
    assertEquals(101, first.status());
    assertEquals(101, second.status());
    eventually("two connections", () -> server.connections() == 2);
    RawClient third = RawClient.connect(testKit.system(), url);
    assertEquals(503, third.status());
    assertEquals(1, server.refused());
    // The connections over the cap get nothing; the others are served.
    assertEquals(FeedMessage.parse(FeedFixtures.batch(1).toJson()), FeedMessage.parse(firstBatch(second)));
    first.close();
    eventually("a slot freed", () -> server.connections() == 1);
    RawClient fourth = RawClient.connect(testKit.system(), url);
    assertEquals(101, fourth.status());
    assertEquals(FeedFixtures.batch(1).toJson(), firstBatch(fourth));
    second.close();
    fourth.close();
    eventually("all closed", () -> server.connections() == 0);
    await(binding.unbind());
    assertTrue(server.refused() == 1);
  }

  private static String firstBatch(RawClient client) {
    while (true) {
      String frame = next(client.frames());
      if (FeedMessage.parse(frame) instanceof BatchMessage) return frame;
    }
  }

  @Test
  void aNodeRefusedAtTheCapFailsOverToTheNextUrl() {
    JdbcFeedLog log = FeedFixtures.h2Log(testKit.system(), "full", 4);
    FeedFixtures.batches(1, 3).forEach(log::append);
    FeedServer full = new FeedServer(testKit.system(), log, new FeedServer.Settings(Duration.ofMillis(200), 100, 1));
    FeedServer other = new FeedServer(testKit.system(), log, new FeedServer.Settings(Duration.ofMillis(200), 100, 1));
    ServerBinding fullBinding = FeedFixtures.bind(testKit.system(), full.route());
    ServerBinding otherBinding = FeedFixtures.bind(testKit.system(), other.route());
    RawClient occupant = RawClient.connect(testKit.system(), FeedFixtures.feedUrl(fullBinding) + "?from=1");
    assertEquals(101, occupant.status());
    FeedMetrics metrics = new FeedMetrics();
    SinkQueueWithCancel<BatchMessage> node = FeedSource.from(
        List.of(FeedFixtures.feedUrl(fullBinding), FeedFixtures.feedUrl(otherBinding)), () -> 1,
        () -> FeedFixtures.SEQUENCER_ADDRESS, CHAIN, FeedServerTest.CLIENT, metrics).runWith(Sink.queue(), testKit.system());
    for (long n = 1; n <= 3; n++) assertEquals(FeedFixtures.batch(n), next(node));
    assertEquals(1, full.refused());
    assertEquals(1, metrics.failovers());
    node.cancel();
    occupant.close();
    full.closeConnections();
    other.closeConnections();
    await(fullBinding.unbind());
    await(otherBinding.unbind());
  }
}
