package zkchain.bench;

import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.WebSocketRequest;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import zkchain.feed.FeedLog;
import zkchain.feed.FeedServer;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage;
import zkchain.runtime.Configuration;

/**
 * The feed a benchmarked node follows, as the sequencer serves it but costing nothing of its own:
 * batches come from memory (or are made on demand), and {@link #publishUpTo} makes them visible at
 * once, with no database write in between; the node's latency starts there. The feed server is the
 * node's own ({@link FeedServer}), in a local actor system of its own. Also reads a node's feed,
 * to time when it relays a batch.
 */
final class FeedUpstream implements AutoCloseable {
  private final ActorSystem<Void> system;
  private final Log log;
  private final ServerBinding binding;

  private FeedUpstream(ActorSystem<Void> system, Log log, ServerBinding binding) {
    this.system = system;
    this.log = log;
    this.binding = binding;
  }

  /** Serves batch n as {@code batch.apply(n)}, once it is published. */
  static FeedUpstream serving(LongFunction<BatchMessage> batch) {
    // A client may fall any distance behind: the benchmark publishes backlogs at once.
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "feed-upstream", Configuration.load(Map.of(
        "akka.actor.provider", "local", "akka.loglevel", "WARNING", "zkchain.feed.server.max-lag", 1_000_000_000), null));
    Log log = new Log(batch);
    ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0)
        .bind(new FeedServer(system, log, FeedServer.Settings.from(system.settings().config())).route())
        .toCompletableFuture().join();
    return new FeedUpstream(system, log, binding);
  }

  static FeedUpstream serving(List<BatchMessage> batches) {
    return serving(n -> batches.get((int) n - 1));
  }

  String url() {
    return "ws://127.0.0.1:" + binding.localAddress().getPort() + "/feed";
  }

  long head() {
    return log.head();
  }

  /** Batches up to {@code head} are on the feed from now on; returns when they are. */
  Instant publishUpTo(long head) {
    log.advance(head);
    return Instant.now();
  }

  /**
   * Reads the feed at {@code feedUrl} from batch {@code from} and records when each batch arrives:
   * a node relays a batch once it is Trusted (its event in the journal) and in its own feed log.
   */
  Map<Long, Instant> arrivals(String feedUrl, long from) {
    Map<Long, Instant> at = new ConcurrentHashMap<>();
    Source.<Message>maybe()
        .via(Http.get(system).webSocketClientFlow(WebSocketRequest.create(feedUrl + "?from=" + from)))
        .mapAsync(1, m -> m.asTextMessage().getStreamedText().runFold("", String::concat, system))
        .to(Sink.foreach(text -> {
          Instant now = Instant.now();
          if (FeedMessage.parse(text) instanceof BatchMessage b) at.putIfAbsent(b.batch().number(), now);
        }))
        .run(system);
    return at;
  }

  @Override
  public void close() {
    binding.unbind().toCompletableFuture().join();
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("the feed upstream did not stop within 30 s: " + e);
    }
  }

  /** The feed log: a head, and batches made by a function; readers wake at each advance. */
  private static final class Log implements FeedLog {
    private static final int PAGE = 64;
    private final LongFunction<BatchMessage> batch;
    private volatile long head;
    private volatile CompletableFuture<Void> advanced = new CompletableFuture<>();

    Log(LongFunction<BatchMessage> batch) {
      this.batch = batch;
    }

    void advance(long to) {
      CompletableFuture<Void> wake;
      synchronized (this) {
        if (to <= head) return;
        head = to;
        wake = advanced;
        advanced = new CompletableFuture<>();
      }
      wake.complete(null);
    }

    @Override
    public void append(BatchMessage message) {
      throw new UnsupportedOperationException("the benchmark publishes with publishUpTo");
    }

    @Override
    public long head() {
      return head;
    }

    @Override
    public Source<BatchMessage, NotUsed> from(long number) {
      return FeedLog.paged(number, this::page);
    }

    private CompletionStage<List<BatchMessage>> page(long next) {
      CompletableFuture<Void> wake = advanced; // taken before head is read: an advance after completes it
      long h = head;
      if (h < next) return wake.thenApply(ignored -> List.of());
      List<BatchMessage> page = new ArrayList<>(PAGE);
      for (long n = next; n <= h && page.size() < PAGE; n++) page.add(batch.apply(n));
      return CompletableFuture.completedFuture(page);
    }
  }
}
