package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.stream.KillSwitches;
import akka.stream.RestartSettings;
import akka.stream.javadsl.RestartSource;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import com.typesafe.config.Config;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.feed.FeedLog;
import zkchain.feed.FeedMetrics;
import zkchain.feed.FeedSource;
import zkchain.feed.JdbcFeedLog;
import zkchain.protocol.Address;

/**
 * The node's feed side: every signed batch it accepts is kept in its feed log, which its own feed
 * route serves unchanged (a relay needs no trust: signatures are checked end to end); with feed
 * URLs configured it also follows the sequencer's feed: verified batches are executed and
 * recorded Trusted, then appended to the log.
 */
final class FeedSync implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FeedSync.class);

  private final FeedLog feedLog;
  private final FeedMetrics metrics;
  private final TrustedExecution trusted;
  private final UniqueKillSwitch ingest;

  private FeedSync(FeedLog feedLog, FeedMetrics metrics, TrustedExecution trusted, UniqueKillSwitch ingest) {
    this.feedLog = feedLog;
    this.metrics = metrics;
    this.trusted = trusted;
    this.ingest = ingest;
  }

  FeedLog feedLog() {
    return feedLog;
  }

  FeedMetrics metrics() {
    return metrics;
  }

  TrustedExecution trusted() {
    return trusted;
  }

  static FeedSync start(ActorSystem<?> system, L1Sync.Chain chain) {
    Config config = system.settings().config();
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    Database db = Database.get(system);
    FeedLog feedLog = new JdbcFeedLog(db.dataSource(), blocking, config);
    FeedMetrics metrics = new FeedMetrics();
    TrustedExecution trusted = new TrustedExecution(system, chain.executor(), chain.genesisRoot());
    List<String> urls = FeedSource.Settings.urls(config);
    if (urls.isEmpty()) return new FeedSync(feedLog, metrics, trusted, null);

    L1Status l1 = L1Status.get(system);
    java.util.concurrent.atomic.AtomicBoolean relayRefused = new java.util.concurrent.atomic.AtomicBoolean();
    FeedSource.Settings settings = FeedSource.Settings.from(config);
    // A batch the node cannot execute (its root differs, its parent is unknown) ends the
    // connection: the next one asks again from the batch the node still needs.
    RestartSettings restart = RestartSettings.create(settings.minBackoff(), settings.maxBackoff(), 0.2)
        .withLogSettings(RestartSettings.createLogSettings(akka.event.Logging.DebugLevel()));
    UniqueKillSwitch ingest = RestartSource.withBackoff(restart, () -> FeedSource.from(urls,
                () -> Math.max(StageHeads.read(db.dataSource()).trusted(), l1.snapshot().virtualHead()) + 1,
                () -> Address.of(l1.snapshot().trustedSequencer()),
                chain.deployment().l2ChainId(), settings, metrics)
            .mapAsync(1, message -> trusted.apply(message).thenApplyAsync(outcome -> {
              if (outcome == TrustedExecution.Outcome.RECORDED) relay(feedLog, message, relayRefused);
              if (outcome.needsResync()) throw new FeedResync(message.batch().number(), outcome);
              return outcome;
            }, blocking)))
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.ignore())
        .run(system);
    log.info("following the sequencer feed at {}", urls);
    return new FeedSync(feedLog, metrics, trusted, ingest);
  }

  /** The "feed" section of /status. */
  java.util.Map<String, Object> status() {
    var out = new java.util.LinkedHashMap<String, Object>();
    out.put("following", ingest != null);
    out.put("logHead", feedLog.head());
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
      executed.put(o.name().toLowerCase().replace('_', '-'), trusted.count(o));
    }
    out.put("executed", executed);
    return out;
  }

  /** Ends a feed connection after a batch the node could not execute; the restart resumes from what it needs. */
  static final class FeedResync extends RuntimeException {
    FeedResync(long batch, TrustedExecution.Outcome outcome) {
      super("feed batch " + batch + " was " + outcome.name().toLowerCase().replace('_', '-')
          + "; reconnecting from the batch the node needs", null, false, false);
    }
  }

  /**
   * Appends an accepted batch to the node's own feed, unchanged. The log is gapless: a batch the
   * node first learnt from L1 (or a second version after a trusted reorg) is not relayed; the
   * relay's clients then follow another upstream for it, which FeedSource does on a gap.
   */
  private static void relay(FeedLog feedLog, zkchain.protocol.FeedMessage.BatchMessage message,
                            java.util.concurrent.atomic.AtomicBoolean refused) {
    try {
      feedLog.append(message);
      refused.set(false);
    } catch (IllegalArgumentException | IllegalStateException e) {
      // once until the relay works again, not once per batch
      if (refused.compareAndSet(false, true)) {
        log.warn("this node's feed stops relaying at batch {}: {}", message.batch().number(), e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    if (ingest != null) ingest.shutdown();
  }
}
