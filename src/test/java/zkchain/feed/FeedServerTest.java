package zkchain.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.feed.FeedFixtures.await;
import static zkchain.feed.FeedFixtures.batch;
import static zkchain.feed.FeedFixtures.batches;
import static zkchain.feed.FeedFixtures.next;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.TextMessage;
import akka.http.javadsl.model.ws.WebSocketRequest;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.SinkQueueWithCancel;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zkchain.feed.FeedFixtures.RawClient;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage.Heartbeat;
import zkchain.protocol.FeedMessage;

/** A feed server on a real port, read by FeedSource and by a raw WebSocket client. */
class FeedServerTest {
  static ActorTestKit testKit;
  static JdbcFeedLog log;
  static FeedServer server;
  static ServerBinding binding;
  static final FeedSource.Settings CLIENT = new FeedSource.Settings(Duration.ofSeconds(5), Duration.ofSeconds(5),
      Duration.ofMillis(100), Duration.ofSeconds(1), 262_144);

  @BeforeAll
  static void start() {
    testKit = FeedFixtures.testKit("");
    log = FeedFixtures.h2Log(testKit.system(), "server", 4);
    server = new FeedServer(testKit.system(), log, new FeedServer.Settings(Duration.ofMillis(200), 1000, 16));
    binding = FeedFixtures.bind(testKit.system(), server.route());
    batches(1, 5).forEach(log::append);
  }

  @AfterAll
  static void stop() {
    server.closeConnections();
    await(binding.unbind());
    testKit.shutdownTestKit();
  }

  /** Appends up to {@code number}, for tests that need that many batches in the log. */
  static synchronized void appendUpTo(long number) {
    for (long n = log.head() + 1; n <= number; n++) log.append(batch(n));
  }

  @Test
  void aNodeReceivesTheStoredBatchesThenTheLiveOnesWithoutGapOrDuplicate() {
    appendUpTo(5);
    long head = log.head();
    FeedMetrics metrics = new FeedMetrics();
    SinkQueueWithCancel<BatchMessage> node = FeedSource.from(List.of(FeedFixtures.feedUrl(binding)), () -> 1,
        () -> FeedFixtures.SEQUENCER_ADDRESS, FeedFixtures.CHAIN, CLIENT, metrics).runWith(Sink.queue(), testKit.system());
    for (long n = 1; n <= head; n++) assertEquals(batch(n), next(node), "replayed batch " + n);
    appendUpTo(head + 10);
    for (long n = head + 1; n <= head + 10; n++) assertEquals(batch(n), next(node), "live batch " + n);
    node.cancel();
    assertEquals(head + 10, metrics.accepted());
    assertEquals(0, metrics.duplicates() + metrics.gaps() + metrics.reconnects());
  }

  @Test
  void aNodeStartedAtBatchKGetsKAndLaterOnly() {
    appendUpTo(12);
    SinkQueueWithCancel<BatchMessage> node = FeedSource.from(List.of(FeedFixtures.feedUrl(binding)), () -> 7,
        () -> FeedFixtures.SEQUENCER_ADDRESS, FeedFixtures.CHAIN, CLIENT).runWith(Sink.queue(), testKit.system());
    for (long n = 7; n <= 12; n++) assertEquals(batch(n), next(node), "batch " + n);
    node.cancel();
  }

  @Test
  void framesAreTheSignedJsonThenHeartbeatsWithTheHead() {
    appendUpTo(3);
    RawClient client = RawClient.connect(testKit.system(), FeedFixtures.feedUrl(binding) + "?from=2");
    assertEquals(101, client.status());
    long expected = 2;
    int heartbeats = 0;
    while (heartbeats < 3) {
      String frame = next(client.frames());
      FeedMessage m = FeedMessage.parse(frame);
      if (m instanceof Heartbeat h) {
        heartbeats++;
        assertTrue(h.head() >= 3, "heartbeat head " + h.head());
      } else if (expected <= log.head()) {
        // Batches come first, unchanged: the exact JSON the sequencer signed and the log stored.
        assertEquals(batch(expected).toJson(), frame);
        expected++;
      }
    }
    assertTrue(expected > 3, "batches from 2 were served");
    client.close();
  }

  @Test
  void whatAClientSendsIsIgnored() {
    appendUpTo(2);
    var system = testKit.system();
    List<String> batchFrames = await(Source.from(List.of("hello", batch(9).toJson(), "{\"type\":\"heartbeat\",\"head\":99}"))
        .<Message>map(TextMessage::create)
        .concat(Source.maybe())
        .via(Http.get(system).webSocketClientFlow(WebSocketRequest.create(FeedFixtures.feedUrl(binding) + "?from=1")))
        .mapAsync(1, m -> m.asTextMessage().getStreamedText().runFold("", String::concat, system))
        .filter(frame -> FeedMessage.parse(frame) instanceof BatchMessage)
        .take(2)
        .runWith(Sink.seq(), system));
    assertEquals(List.of(batch(1).toJson(), batch(2).toJson()), batchFrames);
  }

  @Test
  void aBadFromIsA400WithAJsonError() throws Exception {
    String base = "http://127.0.0.1:" + binding.localAddress().getPort() + "/feed";
    for (String query : List.of("?from=0", "?from=-3", "?from=abc", "?from=", "")) {
      HttpResponse r = await(Http.get(testKit.system()).singleRequest(HttpRequest.GET(base + query)));
      String body = await(r.entity().toStrict(5000, testKit.system())).getData().utf8String();
      assertEquals(400, r.status().intValue(), query);
      JsonNode json = new ObjectMapper().readTree(body);
      assertInstanceOf(String.class, json.get("error").textValue(), body);
    }
  }
}
