package zkchain.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.feed.FeedFixtures.CHAIN;
import static zkchain.feed.FeedFixtures.FORGER;
import static zkchain.feed.FeedFixtures.SEQUENCER;
import static zkchain.feed.FeedFixtures.await;
import static zkchain.feed.FeedFixtures.batch;
import static zkchain.feed.FeedFixtures.batches;
import static zkchain.feed.FeedFixtures.next;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.TextMessage;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.SinkQueueWithCancel;
import akka.stream.javadsl.Source;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiFunction;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zkchain.feed.FeedMetrics.Rejection;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage.Heartbeat;

/** FeedSource against crafted feeds (hostile, gapped, silent) and against real servers that die. */
class FeedSourceTest {
  static ActorTestKit testKit;
  static final int MAX_FRAME = 4096;
  static final FeedSource.Settings CLIENT = new FeedSource.Settings(Duration.ofSeconds(2), Duration.ofSeconds(2),
      Duration.ofMillis(100), Duration.ofSeconds(1), MAX_FRAME);

  @BeforeAll
  static void start() {
    testKit = FeedFixtures.testKit("");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /**
   * A feed that sends, to each connection, the frames {@code script} gives for its from (then
   * stays open and quiet), and records each from it was asked for.
   */
  static final class CraftedFeed extends AllDirectives {
    final Queue<Long> froms = new ConcurrentLinkedQueue<>();
    final ServerBinding binding;

    CraftedFeed(LongFunction<List<String>> script) {
      this((from, beat) -> {
        // After the script, quiet; or, with ?beat, a heartbeat every 100 ms.
        Source<String, ?> after = beat
            ? Source.tick(Duration.ZERO, Duration.ofMillis(100), new Heartbeat(0).toJson())
            : Source.maybe();
        return Source.from(script.apply(from)).concat(after).<Message>map(TextMessage::create);
      });
    }

    /** Each connection gets what {@code messages} gives for its from and whether it asked ?beat. */
    private CraftedFeed(BiFunction<Long, Boolean, Source<Message, ?>> messages) {
      Route route = path("feed", () -> parameter("from", from -> parameterOptional("beat", beat -> {
        long n = Long.parseLong(from);
        froms.add(n);
        Source<Message, ?> out = messages.apply(n, beat.isPresent());
        return handleWebSocketMessages(Flow.fromSinkAndSourceCoupled(Sink.ignore(), out));
      })));
      binding = FeedFixtures.bind(testKit.system(), route);
    }

    /**
     * A feed that sends each connection one batch frame as a streamed text message, a character
     * every {@code pace}, and never finishes it: a hostile feed holding the node with a slow frame.
     */
    static CraftedFeed trickling(Duration pace) {
      List<String> characters = batch(1).toJson().chars().mapToObj(c -> String.valueOf((char) c)).toList();
      return new CraftedFeed((from, beat) -> Source.<Message>single(
              TextMessage.create(Source.from(characters).throttle(1, pace).concat(Source.maybe())))
          .concat(Source.maybe()));
    }

    String url() {
      return FeedFixtures.feedUrl(binding);
    }

    void stop() {
      await(binding.unbind());
    }
  }

  static SinkQueueWithCancel<BatchMessage> node(List<String> urls, long nextBatch, FeedMetrics metrics) {
    return FeedSource.from(urls, () -> nextBatch, () -> FeedFixtures.SEQUENCER_ADDRESS, CHAIN, CLIENT, metrics)
        .runWith(Sink.queue(), testKit.system());
  }

  static List<String> json(List<BatchMessage> batches) {
    return batches.stream().map(BatchMessage::toJson).toList();
  }

  @Test
  void hostileFramesAreRejectedAndCountedAndTheGoodBatchesStillArrive() {
    String forged = batch(2, 8, CHAIN, FORGER).toJson();
    String wrongChain = batch(2, 8, CHAIN + 6, SEQUENCER).toJson();
    String malformed = "{\"type\":\"batch\",\"number\":2,";
    // Correctly signed, so only its size can keep it out.
    String oversize = batch(2, MAX_FRAME, CHAIN, SEQUENCER).toJson();
    assertTrue(oversize.length() > MAX_FRAME);
    CraftedFeed feed = new CraftedFeed(from -> List.of(batch(1).toJson(), forged, wrongChain, malformed, oversize,
        new Heartbeat(1).toJson(), batch(2).toJson(), batch(1).toJson(), batch(3).toJson()));
    FeedMetrics metrics = new FeedMetrics();
    SinkQueueWithCancel<BatchMessage> node = node(List.of(feed.url()), 1, metrics);
    for (long n = 1; n <= 3; n++) assertEquals(batch(n), next(node), "batch " + n);
    node.cancel();
    feed.stop();
    assertEquals(Map.of(Rejection.MALFORMED, 1L, Rejection.OVERSIZE, 1L, Rejection.WRONG_CHAIN, 1L,
        Rejection.BAD_SIGNATURE, 1L), metrics.rejectedByReason());
    assertEquals(1, metrics.duplicates());
    assertEquals(3, metrics.accepted());
    assertEquals(List.of(1L), List.copyOf(feed.froms), "no reconnect: rejections do not end the connection");
  }

  @Test
  void aGapReconnectsFromTheBatchExpected() {
    // The first connection skips batch 2; asked again from 2 the feed serves it.
    CraftedFeed feed = new CraftedFeed(from -> from == 1
        ? json(List.of(batch(1), batch(3)))
        : json(batches(from, 4)));
    FeedMetrics metrics = new FeedMetrics();
    SinkQueueWithCancel<BatchMessage> node = node(List.of(feed.url()), 1, metrics);
    for (long n = 1; n <= 4; n++) assertEquals(batch(n), next(node), "batch " + n);
    node.cancel();
    feed.stop();
    assertEquals(List.of(1L, 2L), List.copyOf(feed.froms));
    assertEquals(1, metrics.gaps());
    assertEquals(0, metrics.failovers());
  }

  @Test
  void aSilentFeedIsLeftForTheNextUrl() {
    CraftedFeed silent = new CraftedFeed(from -> List.of());
    CraftedFeed good = new CraftedFeed(from -> json(batches(from, 3)));
    FeedMetrics metrics = new FeedMetrics();
    SinkQueueWithCancel<BatchMessage> node = node(List.of(silent.url(), good.url()), 1, metrics);
    for (long n = 1; n <= 3; n++) assertEquals(batch(n), next(node), "batch " + n);
    node.cancel();
    silent.stop();
    good.stop();
    assertEquals(List.of(1L), List.copyOf(silent.froms));
    assertEquals(List.of(1L), List.copyOf(good.froms));
    assertEquals(1, metrics.failovers());
  }

  @Test
  void aFrameTrickledInIsGivenUpAfterFrameTimeoutAndTheNextUrlServes() {
    // Silence would wait far longer: the frame bound is what gives the slow frame up.
    assertATrickledFrameIsGivenUpForTheNextUrl(Duration.ofSeconds(60), Duration.ofSeconds(1));
  }

  @Test
  void silenceCoversAFrameInProgress() {
    // The frame bound would wait far longer: characters keep coming, but no whole frame ever does.
    assertATrickledFrameIsGivenUpForTheNextUrl(Duration.ofSeconds(1), Duration.ofSeconds(60));
  }

  /** A feed trickling a frame in (a character every 100 ms) first, a good one second. */
  private static void assertATrickledFrameIsGivenUpForTheNextUrl(Duration silenceTimeout, Duration frameTimeout) {
    CraftedFeed slow = CraftedFeed.trickling(Duration.ofMillis(100));
    CraftedFeed good = new CraftedFeed(from -> json(batches(from, 3)));
    FeedMetrics metrics = new FeedMetrics();
    FeedSource.Settings settings = new FeedSource.Settings(silenceTimeout, frameTimeout, Duration.ofMillis(100),
        Duration.ofSeconds(1), MAX_FRAME);
    SinkQueueWithCancel<BatchMessage> node = FeedSource.from(List.of(slow.url(), good.url()), () -> 1,
        () -> FeedFixtures.SEQUENCER_ADDRESS, CHAIN, settings, metrics).runWith(Sink.queue(), testKit.system());
    for (long n = 1; n <= 3; n++) assertEquals(batch(n), next(node), "batch " + n);
    node.cancel();
    slow.stop();
    good.stop();
    assertEquals(List.of(1L), List.copyOf(slow.froms), "given up once, not gone back to");
    assertEquals(1, metrics.slowFrames(), "given up inside a frame: " + metrics);
    assertEquals(1, metrics.failovers(), metrics.toString());
  }

  @Test
  void aNodeThatIsSlowToReadIsNotMistakenForASilentFeed() throws InterruptedException {
    CraftedFeed feed = new CraftedFeed(from -> json(batches(from, 20)));
    FeedMetrics metrics = new FeedMetrics();
    FeedSource.Settings quick = new FeedSource.Settings(Duration.ofMillis(500), Duration.ofMillis(500),
        Duration.ofMillis(100), Duration.ofSeconds(1), MAX_FRAME);
    // Heartbeats after the batches, so the feed is never silent while the node reads.
    SinkQueueWithCancel<BatchMessage> node = FeedSource.from(List.of(feed.url() + "?beat"), () -> 1,
        () -> FeedFixtures.SEQUENCER_ADDRESS, CHAIN, quick, metrics).runWith(Sink.queue(), testKit.system());
    assertEquals(batch(1), next(node));
    Thread.sleep(2_000); // the node is busy: it reads nothing for four silence timeouts
    for (long n = 2; n <= 20; n++) assertEquals(batch(n), next(node), "batch " + n);
    assertEquals(0, metrics.reconnects(), metrics.toString());
    node.cancel();
    feed.stop();
    assertEquals(List.of(1L), List.copyOf(feed.froms));
  }

  @Test
  void aNodeThatCannotSayWhereItIsIsAskedAgain() {
    CraftedFeed feed = new CraftedFeed(from -> json(batches(from, 3)));
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    FeedMetrics metrics = new FeedMetrics();
    SinkQueueWithCancel<BatchMessage> node = FeedSource.from(List.of(feed.url()), () -> {
      if (asked.incrementAndGet() == 1) throw new IllegalStateException("database unavailable");
      return 2;
    }, () -> FeedFixtures.SEQUENCER_ADDRESS, CHAIN, CLIENT, metrics).runWith(Sink.queue(), testKit.system());
    assertEquals(batch(2), next(node));
    assertEquals(batch(3), next(node));
    node.cancel();
    feed.stop();
    assertEquals(List.of(2L), List.copyOf(feed.froms));
    assertEquals(1, metrics.reconnects());
  }

  @Test
  void anUnreachableFeedIsLeftForTheNextUrl() {
    CraftedFeed good = new CraftedFeed(from -> json(batches(from, 3)));
    FeedMetrics metrics = new FeedMetrics();
    // Nothing listens on port 1: the connection is refused.
    SinkQueueWithCancel<BatchMessage> node = node(List.of("ws://127.0.0.1:1/feed", good.url()), 2, metrics);
    for (long n = 2; n <= 3; n++) assertEquals(batch(n), next(node), "batch " + n);
    node.cancel();
    good.stop();
    assertEquals(List.of(2L), List.copyOf(good.froms));
    assertEquals(1, metrics.failovers());
  }

  @Test
  void whenTheFirstServerDiesMidStreamTheNodeContinuesFromTheSecondWithoutAGap() {
    // The sequencer's own feed and a relay's, each from its own log holding the same batches.
    FeedServer.Settings settings = new FeedServer.Settings(Duration.ofMillis(200), 1000, 8);
    JdbcFeedLog sequencerLog = FeedFixtures.h2Log(testKit.system(), "sequencer", 4);
    JdbcFeedLog relayLog = FeedFixtures.h2Log(testKit.system(), "relay", 4);
    FeedServer sequencerServer = new FeedServer(testKit.system(), sequencerLog, settings);
    ServerBinding sequencer = FeedFixtures.bind(testKit.system(), sequencerServer.route());
    FeedServer relayServer = new FeedServer(testKit.system(), relayLog, settings);
    ServerBinding relay = FeedFixtures.bind(testKit.system(), relayServer.route());
    batches(1, 5).forEach(b -> {
      sequencerLog.append(b);
      relayLog.append(b);
    });
    FeedMetrics metrics = new FeedMetrics();
    SinkQueueWithCancel<BatchMessage> node = node(List.of(FeedFixtures.feedUrl(sequencer), FeedFixtures.feedUrl(relay)),
        1, metrics);
    for (long n = 1; n <= 3; n++) assertEquals(batch(n), next(node), "batch " + n);
    assertEquals(0, relayServer.connections(), "the node reads the first URL while it works");
    // The sequencer dies: no new connections, and its open ones end.
    await(sequencer.unbind());
    sequencerServer.closeConnections();
    batches(6, 10).forEach(relayLog::append);
    for (long n = 4; n <= 10; n++) assertEquals(batch(n), next(node), "batch " + n);
    node.cancel();
    relayServer.closeConnections();
    await(relay.unbind());
    assertEquals(10, metrics.accepted());
    assertTrue(metrics.failovers() >= 1, metrics.toString());
  }

  @Test
  void feedUrlsAreCheckedUpFront() {
    for (List<String> urls : List.of(List.<String>of(), List.of("http://127.0.0.1/feed"), List.of("ws://[bad"))) {
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FeedSource.from(urls, () -> 1,
          () -> FeedFixtures.SEQUENCER_ADDRESS, CHAIN, CLIENT), urls.toString());
    }
  }

  @Test
  void theFirstReconnectIsImmediateThenTheBackoffDoublesUpToItsMax() {
    FeedSource.Settings s = new FeedSource.Settings(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(500),
        Duration.ofSeconds(3), 10);
    List<Duration> delays = java.util.stream.IntStream.rangeClosed(1, 7)
        .mapToObj(k -> FeedSource.delayBeforeReconnect(k, s)).toList();
    assertEquals(List.of(Duration.ZERO, Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(3)), delays);
  }

  @Test
  void aRelayReservesTheSequencersFramesUnchanged() {
    FeedServer.Settings settings = new FeedServer.Settings(Duration.ofMillis(200), 1000, 8);
    JdbcFeedLog sequencerLog = FeedFixtures.h2Log(testKit.system(), "sequencer", 4);
    FeedServer sequencerServer = new FeedServer(testKit.system(), sequencerLog, settings);
    ServerBinding sequencer = FeedFixtures.bind(testKit.system(), sequencerServer.route());
    // The relay: what its FeedSource verified goes to its own log (JDBC off the stream's thread), which it serves.
    JdbcFeedLog relayLog = FeedFixtures.h2Log(testKit.system(), "relay", 4);
    FeedServer relayServer = new FeedServer(testKit.system(), relayLog, settings);
    ServerBinding relay = FeedFixtures.bind(testKit.system(), relayServer.route());
    var relaying = FeedSource.from(List.of(FeedFixtures.feedUrl(sequencer)), () -> relayLog.head() + 1,
            () -> FeedFixtures.SEQUENCER_ADDRESS, CHAIN, CLIENT)
        .mapAsync(1, b -> java.util.concurrent.CompletableFuture.runAsync(() -> relayLog.append(b),
            FeedFixtures.blocking(testKit.system())))
        .viaMat(akka.stream.KillSwitches.single(), akka.stream.javadsl.Keep.right())
        .toMat(Sink.ignore(), akka.stream.javadsl.Keep.left())
        .run(testKit.system());
    batches(1, 6).forEach(sequencerLog::append);
    FeedFixtures.RawClient node = FeedFixtures.RawClient.connect(testKit.system(), FeedFixtures.feedUrl(relay) + "?from=1");
    long n = 1;
    while (n <= 6) {
      String frame = next(node.frames());
      if (frame.contains("\"type\":\"batch\"")) assertEquals(batch(n++).toJson(), frame);
    }
    node.close();
    relaying.shutdown();
    sequencerServer.closeConnections();
    relayServer.closeConnections();
    await(sequencer.unbind());
    await(relay.unbind());
  }

  @Test
  void verifyJudgesEachFrameByTheProtocolsRule() {
    java.util.function.Function<FeedSource.Frame, Object> verdict =
        f -> FeedSource.verify(f, CHAIN, () -> FeedFixtures.SEQUENCER_ADDRESS);
    BatchMessage good = batch(4);
    assertEquals(new FeedSource.Verdict.Accepted(good), verdict.apply(new FeedSource.Frame.Text(good.toJson())));
    assertEquals(new FeedSource.Verdict.Beat(new Heartbeat(7)), verdict.apply(new FeedSource.Frame.Text("{\"type\":\"heartbeat\",\"head\":7}")));
    byte[] noKey = new byte[65];
    noKey[64] = 27; // r = s = 0: recovers no one
    BatchMessage unsigned = new BatchMessage(CHAIN, good.batch(), good.stateRoot(), good.accInputHash(), noKey);
    assertEquals(Rejection.BAD_SIGNATURE, rejection(verdict.apply(new FeedSource.Frame.Text(unsigned.toJson()))));
    assertEquals(Rejection.MALFORMED, rejection(verdict.apply(new FeedSource.Frame.Text("[]"))));
    assertEquals(Rejection.MALFORMED, rejection(verdict.apply(new FeedSource.Frame.Text(good.toJson().replace("\"number\":4", "\"number\":\"4\"")))));
    assertEquals(Rejection.MALFORMED, rejection(verdict.apply(new FeedSource.Frame.Binary())));
    assertEquals(Rejection.OVERSIZE, rejection(verdict.apply(new FeedSource.Frame.Oversize(MAX_FRAME + 1))));
  }

  private static Rejection rejection(Object verdict) {
    return ((FeedSource.Verdict.Rejected) verdict).reason();
  }
}
