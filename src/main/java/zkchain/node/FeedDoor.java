package zkchain.node;

import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.stream.KillSwitches;
import akka.stream.OverflowStrategy;
import akka.stream.RestartSettings;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.RestartSource;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.derive.L1Status;
import zkchain.feed.FeedMetrics;
import zkchain.feed.FeedRelay;
import zkchain.feed.FeedSource;
import zkchain.feed.JdbcFeedLog;
import zkchain.infra.Blocking;
import zkchain.protocol.Address;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.runtime.Rollup;

/**
 * The node's feed door: with feed URLs configured it follows the sequencer's feed, executes each
 * verified batch on the node's own chain ({@link TrustedExecution}) and records it Trusted (or
 * finds it held already); every signed batch it accepts goes into its feed log, which the node's
 * own /feed serves unchanged ({@link FeedRelay}).
 */
final class FeedDoor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FeedDoor.class);

  private final FeedRelay relay;
  private final FeedMetrics metrics;
  private final TrustedExecution trusted;
  private final UniqueKillSwitch ingest;

  private FeedDoor(FeedRelay relay, FeedMetrics metrics, TrustedExecution trusted, UniqueKillSwitch ingest) {
    this.relay = relay;
    this.metrics = metrics;
    this.trusted = trusted;
    this.ingest = ingest;
  }

  FeedMetrics metrics() {
    return metrics;
  }

  TrustedExecution trusted() {
    return trusted;
  }

  /**
   * The door's stream, one way: verified feed batches (FeedSource) → senders recovered, several
   * batches at once ({@code prepare-parallelism}) → executed on the chain head in order → recorded
   * Trusted one at a time, in order, while up to {@code execute-ahead} later batches execute →
   * relayed on the node's own feed. A batch the node cannot take, a failed persist or a change of
   * Trusted batches under the door (a trusted reorg) restarts it from the journal.
   */
  static FeedDoor start(ActorSystem<?> system, Rollup rollup, L1Status l1, TrustedChain trustedChain,
                        JdbcFeedLog feedLog) {
    Config config = system.settings().config();
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    FeedMetrics metrics = new FeedMetrics();
    FeedRelay relay = new FeedRelay(feedLog, metrics);
    TrustedExecution trusted = new TrustedExecution(system, rollup.executor(zkchain.infra.Metrics.get(system).execution()), rollup.genesisRoot(), trustedChain,
        () -> l1.snapshot().virtualHead());
    List<String> urls = FeedSource.Settings.urls(config);
    if (urls.isEmpty()) return new FeedDoor(relay, metrics, trusted, null);

    FeedSource.Settings settings = FeedSource.Settings.from(config);
    Config door = config.getConfig("zkchain.feed.door");
    int prepareParallelism = door.getInt("prepare-parallelism");
    int executeAhead = door.getInt("execute-ahead");
    RestartSettings restart = RestartSettings.create(settings.minBackoff(), settings.maxBackoff(), 0.2)
        .withLogSettings(RestartSettings.createLogSettings(akka.event.Logging.DebugLevel()));
    UniqueKillSwitch ingest = RestartSource.withBackoff(restart, () -> Source.completionStage(trusted.resume())
            .flatMapConcat(head -> FeedSource.from(urls,
                    () -> relay.nextBatch(Math.max(trusted.head().number(), l1.snapshot().virtualHead())),
                    () -> Address.of(l1.snapshot().trustedSequencer()),
                    rollup.chainId(), settings, metrics)
                .via(pipeline(trusted, relay::relay, blocking, prepareParallelism, executeAhead)))
            .mapError(Throwable.class, e -> {
              Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                  ? e.getCause() : e;
              if (cause instanceof TrustedExecution.ChainReset) log.info("{}", cause.getMessage());
              return cause;
            }))
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.ignore())
        .run(system);
    log.info("following the sequencer feed at {}", urls);
    return new FeedDoor(relay, metrics, trusted, ingest);
  }

  /**
   * Verified feed batches in, their outcomes out: senders recovered {@code prepareParallelism} at
   * once, executed on the head in order, recorded one at a time in order while up to
   * {@code executeAhead} later batches execute, then {@code relay}ed. Fails at the first batch the
   * node cannot take or persist: nothing after it is recorded, and a restart resumes from the journal.
   */
  static Flow<BatchMessage, TrustedExecution.Outcome, NotUsed> pipeline(TrustedExecution trusted,
      java.util.function.Consumer<BatchMessage> relay, Executor blocking, int prepareParallelism, int executeAhead) {
    return Flow.<BatchMessage>create()
        .mapAsync(prepareParallelism, message -> Blocking.call(blocking, () -> trusted.prepare(message)))
        .mapAsync(1, prepared -> Blocking.call(blocking, () -> trusted.execute(prepared)))
        .buffer(executeAhead, OverflowStrategy.backpressure())
        .mapAsync(1, step -> trusted.record(step).thenApplyAsync(outcome -> {
          if (outcome.relayed()) relay.accept(step.message());
          if (outcome.needsResync()) throw new FeedResync(step.message().batch().number(), outcome);
          return outcome;
        }, blocking));
  }

  /** The "feed" section of /status. */
  java.util.Map<String, Object> status() {
    var out = new java.util.LinkedHashMap<String, Object>();
    out.put("following", ingest != null);
    out.put("upstream", metrics.upstream());
    out.put("logHead", relay.feedLog().head());
    out.put("relaying", relay.relaying());
    out.put("replaced", metrics.replaced());
    out.put("relayFailures", metrics.relayFailures());
    out.put("accepted", metrics.accepted());
    var rejected = new java.util.LinkedHashMap<String, Long>();
    metrics.rejectedByReason().forEach((reason, n) -> rejected.put(reason.label, n));
    out.put("rejected", rejected);
    out.put("duplicates", metrics.duplicates());
    out.put("gaps", metrics.gaps());
    out.put("reconnects", metrics.reconnects());
    out.put("failovers", metrics.failovers());
    out.put("slowFrames", metrics.slowFrames());
    var executed = new java.util.LinkedHashMap<String, Long>();
    for (TrustedExecution.Outcome o : TrustedExecution.Outcome.values()) {
      executed.put(o.label(), trusted.count(o));
    }
    out.put("executed", executed);
    out.put("executions", trusted.executions());
    return out;
  }

  /** Ends a feed connection after a batch the node could not execute; the restart resumes from what it needs. */
  static final class FeedResync extends RuntimeException {
    FeedResync(long batch, TrustedExecution.Outcome outcome) {
      super("feed batch " + batch + " was " + outcome.label() + "; reconnecting from the batch the node needs",
          null, false, false);
    }
  }

  @Override
  public void close() {
    if (ingest != null) ingest.shutdown();
  }
}
