package zkchain.feed;

import akka.NotUsed;
import akka.http.javadsl.Http;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.WebSocketRequest;
import akka.http.javadsl.model.ws.WebSocketUpgradeResponse;
import akka.japi.pf.PFBuilder;
import akka.stream.Materializer;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.feed.FeedMetrics.Rejection;
import zkchain.protocol.Address;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage.Heartbeat;
import zkchain.protocol.FeedMessage;

/**
 * The node's side of the sequencer feed (PROTOCOL.md §6): the verified batches of one or more
 * feed URLs, strictly in batch-number order, from the node's next batch on.
 *
 * <p>Each frame is read ({@link #frames}, within frame-timeout), verified ({@link #verify}: parses,
 * right chain, signed by the trusted sequencer) and put in order ({@link Order}: duplicates
 * dropped, a gap reconnects from the batch expected). A connection that fails, closes, stays
 * silent or trickles a frame in is replaced by one to the next URL. The first reconnect after
 * progress is immediate, later ones back off: this is a loop of its own rather than
 * RestartSource.withBackoff, whose first restart already waits and which cannot move to another
 * URL or resume from the batch expected.
 */
public final class FeedSource {
  private FeedSource() {}

  private static final Logger log = LoggerFactory.getLogger(FeedSource.class);

  /** {@code zkchain.feed.client}; see conf/feed.conf. */
  public record Settings(Duration silenceTimeout, Duration frameTimeout, Duration minBackoff, Duration maxBackoff,
      int maxFrameSize) {
    public Settings {
      if (silenceTimeout.isNegative() || silenceTimeout.isZero()) {
        throw new IllegalArgumentException("silence-timeout must be positive, got " + silenceTimeout);
      }
      if (frameTimeout.isNegative() || frameTimeout.isZero()) {
        throw new IllegalArgumentException("frame-timeout must be positive, got " + frameTimeout);
      }
      if (minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
        throw new IllegalArgumentException("need 0 ≤ min-backoff ≤ max-backoff, got " + minBackoff + ", " + maxBackoff);
      }
      if (maxFrameSize < 1) throw new IllegalArgumentException("max-frame-size must be ≥ 1, got " + maxFrameSize);
    }

    public static Settings from(Config config) {
      Config c = config.getConfig("zkchain.feed.client");
      return new Settings(c.getDuration("silence-timeout"), c.getDuration("frame-timeout"),
          c.getDuration("min-backoff"), c.getDuration("max-backoff"), c.getInt("max-frame-size"));
    }

    /** {@code zkchain.feed.client.urls}. */
    public static List<String> urls(Config config) {
      return config.getConfig("zkchain.feed.client").getStringList("urls");
    }
  }

  /** As {@link #from(List, LongSupplier, Supplier, long, Settings, FeedMetrics)}, counting into metrics nobody reads. */
  public static Source<BatchMessage, NotUsed> from(List<String> feedUrls, LongSupplier nextBatch,
      Supplier<Address> trustedSequencer, long chainId, Settings settings) {
    return from(feedUrls, nextBatch, trustedSequencer, chainId, settings, new FeedMetrics());
  }

  /**
   * @param nextBatch the batch the node needs next; asked at every (re)connection, so a node that
   *     got further by other means (L1) resumes there
   * @param trustedSequencer the contract's current trustedSequencer(), asked for every batch
   */
  public static Source<BatchMessage, NotUsed> from(List<String> feedUrls, LongSupplier nextBatch,
      Supplier<Address> trustedSequencer, long chainId, Settings settings, FeedMetrics metrics) {
    if (feedUrls.isEmpty()) throw new IllegalArgumentException("no feed URL given");
    List<String> urls = List.copyOf(feedUrls);
    // Checked here, once: a URL that cannot be parsed would otherwise fail the stream at each connect.
    for (String url : urls) {
      String scheme;
      try {
        scheme = akka.http.javadsl.model.Uri.create(url).getScheme();
      } catch (akka.http.scaladsl.model.IllegalUriException e) {
        throw new IllegalArgumentException("feed URL " + url + " is not a URL: " + e.getMessage(), e);
      }
      if (!scheme.equals("ws") && !scheme.equals("wss")) {
        throw new IllegalArgumentException("feed URL " + url + " must be ws:// or wss://");
      }
    }
    // Each materialization gets its own connection loop.
    return Source.fromMaterializer((mat, attributes) ->
            new Connections(urls, nextBatch, trustedSequencer, chainId, settings, metrics, mat).batches())
        .mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  /** A frame as received: its text, or why there is none to parse. */
  sealed interface Frame {
    record Text(String json) implements Frame {}

    record Oversize(long size) implements Frame {}

    record Binary() implements Frame {}
  }

  /** A frame judged. */
  sealed interface Verdict {
    record Accepted(BatchMessage batch) implements Verdict {}

    record Beat(Heartbeat heartbeat) implements Verdict {}

    record Rejected(Rejection reason, String why) implements Verdict {}
  }

  /**
   * Reads each WebSocket message whole, but keeps no more than maxFrameSize characters of it: a
   * larger one is drained and reported by size, so a hostile feed cannot make the node buffer it.
   * A message still incomplete frameTimeout after it began fails with {@link SlowFrame}; the one
   * being assembled is in {@code inProgress}, so a silence that falls inside a frame can say so.
   */
  static Flow<Message, Frame, NotUsed> frames(int maxFrameSize, Duration frameTimeout, Materializer mat,
      AtomicReference<FrameText> inProgress) {
    return Flow.<Message>create().mapAsync(1, m -> {
      if (m.isText() && m.asTextMessage().isStrict()) {
        String s = m.asTextMessage().getStrictText();
        return CompletableFuture.completedFuture(s.length() > maxFrameSize ? new Frame.Oversize(s.length()) : new Frame.Text(s));
      }
      FrameText text = new FrameText(maxFrameSize);
      inProgress.set(text);
      CompletionStage<Frame> read = m.isText()
          ? m.asTextMessage().getStreamedText().completionTimeout(frameTimeout).runForeach(text::add, mat)
              .thenApply(done -> text.frame())
          : m.asBinaryMessage().getStreamedData().completionTimeout(frameTimeout).runWith(Sink.ignore(), mat)
              .thenApply(done -> new Frame.Binary());
      return read.handle((frame, error) -> {
        if (error == null) {
          inProgress.compareAndSet(text, null);
          return frame;
        }
        Throwable cause = unwrap(error);
        if (cause instanceof TimeoutException) throw new SlowFrame(frameTimeout, text.size());
        throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
      });
    });
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /** A frame still incomplete after frame-timeout: a feed that trickles a frame in is given up as a silent one is. */
  static final class SlowFrame extends RuntimeException {
    SlowFrame(Duration frameTimeout, long received) {
      super("a frame still incomplete after frame-timeout " + frameTimeout + " (" + received + " characters received)",
          null, false, false);
    }
  }

  /** A text frame being assembled; its size is read by other threads while it grows. */
  static final class FrameText {
    private final int max;
    private final StringBuilder text = new StringBuilder();
    private volatile long size;

    FrameText(int max) {
      this.max = max;
    }

    void add(String part) {
      size += part.length();
      if (size <= max) text.append(part);
    }

    long size() {
      return size;
    }

    Frame frame() {
      return size > max ? new Frame.Oversize(size) : new Frame.Text(text.toString());
    }
  }

  /** PROTOCOL.md §6's acceptance rule, frame by frame. */
  static Verdict verify(Frame frame, long chainId, Supplier<Address> trustedSequencer) {
    if (frame instanceof Frame.Oversize o) {
      return new Verdict.Rejected(Rejection.OVERSIZE, "a frame of " + o.size() + " characters");
    }
    if (frame instanceof Frame.Text t) return verifyText(t.json(), chainId, trustedSequencer);
    return new Verdict.Rejected(Rejection.MALFORMED, "a binary frame; the feed sends text frames");
  }

  private static Verdict verifyText(String json, long chainId, Supplier<Address> trustedSequencer) {
    FeedMessage message;
    try {
      message = FeedMessage.parse(json);
    } catch (RuntimeException e) {
      // FeedMessageException says which field; anything else a hostile frame provokes is malformed too.
      return new Verdict.Rejected(Rejection.MALFORMED, e.getMessage());
    }
    if (message instanceof Heartbeat h) return new Verdict.Beat(h);
    BatchMessage batch = (BatchMessage) message;
    long number = batch.batch().number();
    if (batch.chainId() != chainId) {
      return new Verdict.Rejected(Rejection.WRONG_CHAIN, "batch " + number + " is for chain " + batch.chainId()
          + ", not " + chainId);
    }
    Address sequencer = trustedSequencer.get();
    Optional<Address> signer;
    try {
      signer = batch.signer();
    } catch (RuntimeException e) {
      signer = Optional.empty(); // a signature that breaks recovery recovers no one
    }
    // With the chain id checked above, this is BatchMessage.signedBy, recovering the signer once.
    if (!signer.map(sequencer::equals).orElse(false)) {
      return new Verdict.Rejected(Rejection.BAD_SIGNATURE, "batch " + number + " is signed by "
          + signer.map(Address::hex).orElse("no key") + ", not the trusted sequencer " + sequencer.hex());
    }
    return new Verdict.Accepted(batch);
  }

  /**
   * The wait before the k-th reconnect since a batch was last accepted: none for the first (a
   * dead feed or a gap should cost no latency), then min-backoff doubling up to max-backoff.
   */
  static Duration delayBeforeReconnect(int k, Settings settings) {
    if (k <= 1) return Duration.ZERO;
    Duration d = settings.minBackoff();
    for (int i = 2; i < k && d.compareTo(settings.maxBackoff()) < 0; i++) d = d.multipliedBy(2);
    return d.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : d;
  }

  /** A verified batch past the one expected: some were missed, so the connection is restarted from there. */
  static final class Gap extends RuntimeException {
    Gap(long expected, long got) {
      super("got batch " + got + " while expecting " + expected, null, false, false);
    }
  }

  /**
   * Puts verified batches in order against the next batch expected, which outlives connections:
   * below it a duplicate (dropped), above it a gap (fails the connection with {@link Gap}).
   * Rejections are logged and counted here, once each.
   */
  static final class Order {
    private final AtomicLong expected;
    private final FeedMetrics metrics;

    Order(AtomicLong expected, FeedMetrics metrics) {
      this.expected = expected;
      this.metrics = metrics;
    }

    List<BatchMessage> apply(Verdict verdict, String url, Runnable progress) {
      if (verdict instanceof Verdict.Rejected r) {
        metrics.countRejected(r.reason());
        log.warn("feed {}: rejected a frame as {}: {}; dropped it", url, r.reason().label, r.why());
        return List.of();
      }
      if (!(verdict instanceof Verdict.Accepted a)) return List.of(); // a heartbeat: it only proves the feed alive
      long number = a.batch().batch().number();
      long next = expected.get();
      if (number < next) {
        metrics.countDuplicate();
        return List.of();
      }
      if (number > next) {
        metrics.countGap();
        throw new Gap(next, number);
      }
      expected.set(number + 1);
      metrics.countAccepted();
      progress.run();
      return List.of(a.batch());
    }
  }

  /** The connection loop of one materialization: which URL, from which batch, after what delay. */
  private static final class Connections {
    private final List<String> urls;
    private final LongSupplier nextBatch;
    private final Supplier<Address> trustedSequencer;
    private final long chainId;
    private final Settings settings;
    private final FeedMetrics metrics;
    private final Materializer mat;
    private final Http http;
    private final AtomicLong expected = new AtomicLong(1);
    private final Order order;

    // Touched only between connections, by the stream's stages in turn.
    private volatile int urlIndex;
    private volatile int reconnectsSinceProgress;
    private volatile Connection previous;

    Connections(List<String> urls, LongSupplier nextBatch, Supplier<Address> trustedSequencer, long chainId,
        Settings settings, FeedMetrics metrics, Materializer mat) {
      this.urls = urls;
      this.nextBatch = nextBatch;
      this.trustedSequencer = trustedSequencer;
      this.chainId = chainId;
      this.settings = settings;
      this.metrics = metrics;
      this.mat = mat;
      this.http = Http.get(mat.system());
      this.order = new Order(expected, metrics);
    }

    Source<BatchMessage, NotUsed> batches() {
      return Source.repeat(NotUsed.getInstance()).flatMapConcat(ignored -> next());
    }

    /** The next connection, after the previous one ended (or the first). */
    private Source<BatchMessage, NotUsed> next() {
      Connection last = previous;
      Duration delay = Duration.ZERO;
      if (last != null) {
        boolean failover = !(last.end instanceof Gap);
        if (failover) urlIndex = (urlIndex + 1) % urls.size();
        metrics.countReconnect(failover);
        reconnectsSinceProgress++;
        delay = delayBeforeReconnect(reconnectsSinceProgress, settings);
        String next = urls.get(urlIndex) + (delay.isZero() ? "" : " in " + delay);
        if (last.endedInAFrame()) {
          // A trickled frame is the one hostile way to hold the node that no frame check sees.
          metrics.countSlowFrame();
          log.warn("feed {}: {}; given up, reconnecting to {}", last.url, describe(last), next);
        } else {
          log.info("feed {}: {}; reconnecting to {}", last.url, describe(last), next);
        }
      }
      Source<BatchMessage, NotUsed> connect = Source.lazySource(this::connect).mapMaterializedValue(f -> NotUsed.getInstance());
      if (delay.isZero()) return connect;
      return Source.single(NotUsed.getInstance()).initialDelay(delay).flatMapConcat(ignored -> connect);
    }

    private Source<BatchMessage, NotUsed> connect() {
      String url = urls.get(urlIndex);
      metrics.connecting(url);
      Connection connection = new Connection(url);
      previous = connection;
      try {
        expected.accumulateAndGet(nextBatch.getAsLong(), Math::max);
      } catch (RuntimeException e) {
        // The node could not say where it is (its database, say): a failed attempt, retried with backoff.
        connection.end = e;
        return Source.empty();
      }
      String uri = url + (url.contains("?") ? "&" : "?") + "from=" + expected.get();
      // We send nothing; Source.maybe keeps our half of the WebSocket open.
      return Source.<Message>maybe()
          .viaMat(http.webSocketClientFlow(WebSocketRequest.create(uri)), Keep.right())
          .mapMaterializedValue(upgrade -> {
            connection.upgrade = upgrade.toCompletableFuture();
            return NotUsed.getInstance();
          })
          .via(frames(settings.maxFrameSize(), settings.frameTimeout(), mat, connection.frameInProgress))
          // After assembly: a frame in progress is not a sign of life, only a whole one is.
          .via(new SilenceTimeout<>(settings.silenceTimeout()))
          .map(frame -> verify(frame, chainId, trustedSequencer))
          .mapConcat(verdict -> order.apply(verdict, url, () -> reconnectsSinceProgress = 0))
          .recoverWithRetries(1, new PFBuilder<Throwable, akka.stream.Graph<akka.stream.SourceShape<BatchMessage>, NotUsed>>()
              .matchAny(e -> {
                connection.end = unwrap(e);
                return Source.empty();
              })
              .build());
    }

    private String describe(Connection connection) {
      Throwable end = connection.end;
      // The response is in before the stream ends, so a refusal (503 at the server's cap) shows here.
      CompletableFuture<WebSocketUpgradeResponse> upgrade = connection.upgrade;
      if (upgrade != null && upgrade.isDone() && !upgrade.isCompletedExceptionally() && !upgrade.join().isValid()) {
        return "the server answered HTTP " + upgrade.join().response().status().intValue() + " instead of a WebSocket";
      }
      if (end == null) return "the connection closed";
      if (end instanceof Gap || end instanceof SlowFrame) return end.getMessage();
      FrameText partial = connection.frameInProgress.get();
      if (end instanceof TimeoutException && partial != null) {
        return "no whole frame for " + settings.silenceTimeout() + ", one still incomplete (" + partial.size()
            + " characters received)";
      }
      if (end instanceof TimeoutException) return "silent for " + settings.silenceTimeout();
      return "the connection failed: " + end.getMessage();
    }
  }

  /** One connection attempt: its upgrade, and how it ended (end null: closed by the server). */
  private static final class Connection {
    final String url;
    final AtomicReference<FrameText> frameInProgress = new AtomicReference<>();
    volatile CompletableFuture<WebSocketUpgradeResponse> upgrade;
    volatile Throwable end;

    Connection(String url) {
      this.url = url;
    }

    /** Given up in the middle of a frame: too slow to finish it, or silent while it was incomplete. */
    boolean endedInAFrame() {
      return end instanceof SlowFrame || (end instanceof TimeoutException && frameInProgress.get() != null);
    }
  }
}
