package zkchain.feed;

import akka.NotUsed;
import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.TextMessage;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.stream.KillSwitches;
import akka.stream.Materializer;
import akka.stream.SharedKillSwitch;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.protocol.FeedMessage.Heartbeat;

/**
 * The feed's WebSocket endpoint {@code GET /feed?from=N} (PROTOCOL.md §6), serving a {@link FeedLog}:
 * every batch from N as a text frame, then each new one, and a heartbeat with the log's head
 * every {@code heartbeat-interval}. What clients send is read and ignored.
 */
public final class FeedServer extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(FeedServer.class);

  /** {@code zkchain.feed.server}; see conf/feed.conf. */
  public record Settings(Duration heartbeatInterval, int maxLag, int maxConnections) {
    public Settings {
      if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
        throw new IllegalArgumentException("heartbeat-interval must be positive, got " + heartbeatInterval);
      }
      if (maxLag < 1) throw new IllegalArgumentException("max-lag must be ≥ 1, got " + maxLag);
      if (maxConnections < 1) throw new IllegalArgumentException("max-connections must be ≥ 1, got " + maxConnections);
    }

    public static Settings from(Config config) {
      Config c = config.getConfig("zkchain.feed.server");
      return new Settings(c.getDuration("heartbeat-interval"), c.getInt("max-lag"), c.getInt("max-connections"));
    }
  }

  /** A client more than max-lag batches behind the head once it had caught up. */
  static final class SlowClient extends RuntimeException {
    SlowClient(String message) {
      super(message, null, false, false);
    }
  }

  private final ActorSystem<?> system;
  private final FeedLog feedLog;
  private final Settings settings;
  private final AtomicInteger connections = new AtomicInteger();
  private final LongAdder refused = new LongAdder();
  private final LongAdder slowClientsDisconnected = new LongAdder();
  /** Unbinding leaves open WebSocket connections running; this ends them. */
  private final SharedKillSwitch closing = KillSwitches.shared("feed-server");

  public FeedServer(ActorSystem<?> system, FeedLog feedLog, Settings settings) {
    this.system = system;
    this.feedLog = feedLog;
    this.settings = settings;
  }

  public Route route() {
    return path("feed", () -> get(() -> parameterOptional("from", from -> {
      Optional<Long> first = from.flatMap(FeedServer::batchNumber);
      if (first.isEmpty()) {
        return error(StatusCodes.BAD_REQUEST, "query parameter from must be a batch number ≥ 1, got "
            + from.map(f -> "\"" + f + "\"").orElse("none"));
      }
      // Checked here to answer 503; counted when the connection starts (see connection()).
      if (connections.get() >= settings.maxConnections()) {
        refused.increment();
        return error(StatusCodes.SERVICE_UNAVAILABLE, "the feed serves at most " + settings.maxConnections()
            + " connections; retry later");
      }
      return extractMaterializer(mat -> extractWebSocketUpgrade(upgrade -> complete(
          upgrade.handleMessagesWith(Flow.fromSinkAndSourceCoupled(ignoreMessages(mat), connection(first.get()))))));
    })));
  }

  /**
   * Closes every open feed connection, and any opened later: for shutdown, after the binding is
   * unbound (which does not end WebSocket connections). Clients resume elsewhere with from.
   */
  public void closeConnections() {
    closing.shutdown();
  }

  /** Open feed connections. */
  public int connections() {
    return connections.get();
  }

  /** Requests answered 503 because of max-connections. */
  public long refused() {
    return refused.sum();
  }

  /** Connections closed because their client fell more than max-lag behind. */
  public long slowClientsDisconnected() {
    return slowClientsDisconnected.sum();
  }

  private static Optional<Long> batchNumber(String s) {
    try {
      long n = Long.parseLong(s);
      return n >= 1 ? Optional.of(n) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private Route error(StatusCode status, String message) {
    String json = JsonNodeFactory.instance.objectNode().put("error", message).toString();
    return complete(HttpResponse.create().withStatus(status).withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, json)));
  }

  /**
   * Drains what the client sends, one message at a time: a message left unread would stall the
   * connection, and draining them one by one backpressures a client that floods.
   */
  private static Sink<Message, NotUsed> ignoreMessages(Materializer mat) {
    return Flow.<Message>create()
        .mapAsync(1, m -> m.isText()
            ? m.asTextMessage().getStreamedText().runWith(Sink.ignore(), mat)
            : m.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), mat))
        .to(Sink.ignore());
  }

  /** What one client receives: the batches from {@code first}, merged with the heartbeats. */
  private Source<Message, NotUsed> connection(long first) {
    ClientLag lag = new ClientLag(first - 1);
    Source<String, NotUsed> batches = feedLog.from(first).map(b -> {
      lag.sent(b.batch().number());
      return b.toJson();
    });
    Source<String, Cancellable> heartbeats = Source.tick(Duration.ZERO, settings.heartbeatInterval(), NotUsed.getInstance())
        .map(tick -> new Heartbeat(feedLog.head()).toJson());
    return batches.merge(heartbeats)
        .<Message>map(TextMessage::create)
        .via(closing.flow())
        .viaMat(KillSwitches.single(), Keep.right())
        .watchTermination((killSwitch, done) -> {
          started(first, lag, killSwitch, done);
          return NotUsed.getInstance();
        });
  }

  private void started(long first, ClientLag lag, UniqueKillSwitch killSwitch,
      java.util.concurrent.CompletionStage<akka.Done> done) {
    if (connections.incrementAndGet() > settings.maxConnections()) {
      // Two requests raced past the check in route(); the later one is closed instead of answered 503.
      refused.increment();
      killSwitch.shutdown();
    }
    // Outside the stream: a client that stopped reading never pulls, so no stage of it would run.
    Cancellable watchdog = system.scheduler().scheduleAtFixedRate(settings.heartbeatInterval(),
        settings.heartbeatInterval(), () -> {
          long head = feedLog.head();
          if (lag.fellBehind(head, settings.maxLag()) && lag.cut()) {
            slowClientsDisconnected.increment();
            log.info("feed client from={} is {} batches behind the head {} (max-lag {}); disconnected, it resumes with from",
                first, head - lag.lastSent(), head, settings.maxLag());
            killSwitch.abort(new SlowClient("more than " + settings.maxLag() + " batches behind"));
          }
        }, system.executionContext());
    done.whenComplete((ok, error) -> {
      watchdog.cancel();
      connections.decrementAndGet();
    });
  }

  /**
   * How far a client is behind. It is on probation while it replays history (it reads as fast as
   * it can, from the database, costing no memory here); once within max-lag of the head it is live,
   * and a live client that falls further behind than max-lag is disconnected.
   */
  static final class ClientLag {
    private volatile long lastSent;
    private volatile boolean live;
    private final java.util.concurrent.atomic.AtomicBoolean cut = new java.util.concurrent.atomic.AtomicBoolean();

    ClientLag(long lastSent) {
      this.lastSent = lastSent;
    }

    void sent(long number) {
      lastSent = number;
    }

    long lastSent() {
      return lastSent;
    }

    /** True the first time only: the watchdog may run again before the connection has ended. */
    boolean cut() {
      return cut.compareAndSet(false, true);
    }

    boolean fellBehind(long head, int maxLag) {
      if (head - lastSent <= maxLag) {
        live = true;
        return false;
      }
      return live;
    }
  }
}
