package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.stream.KillSwitches;
import akka.stream.RestartSettings;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.RestartSource;
import akka.stream.javadsl.Sink;
import com.typesafe.config.Config;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.batch.StageHeads;
import zkchain.derive.L1Status;
import zkchain.feed.FeedLog;
import zkchain.feed.FeedMetrics;
import zkchain.feed.FeedRelay;
import zkchain.feed.FeedSource;
import zkchain.feed.JdbcFeedLog;
import zkchain.infra.Database;
import zkchain.protocol.Address;
import zkchain.runtime.Rollup;

/**
 * The node's feed side: every signed batch it accepts is kept in its feed log, which its own feed
 * route serves unchanged ({@link FeedRelay}); with feed URLs configured it also follows the
 * sequencer's feed: verified batches are executed and recorded Trusted (or found already on L1),
 * then relayed.
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

  FeedLog feedLog() {
    return relay.feedLog();
  }

  FeedMetrics metrics() {
    return metrics;
  }

  TrustedExecution trusted() {
    return trusted;
  }

  static FeedDoor start(ActorSystem<?> system, Rollup rollup, L1Status l1) {
    Config config = system.settings().config();
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    Database db = Database.get(system);
    FeedMetrics metrics = new FeedMetrics();
    FeedRelay relay = new FeedRelay(new JdbcFeedLog(db.dataSource(), blocking, config, new JournalTransactions(system)), metrics);
    TrustedExecution trusted = new TrustedExecution(system, rollup.executor(), rollup.genesisRoot());
    List<String> urls = FeedSource.Settings.urls(config);
    if (urls.isEmpty()) return new FeedDoor(relay, metrics, trusted, null);

    FeedSource.Settings settings = FeedSource.Settings.from(config);
    // A batch the node cannot execute (its root differs, its parent is unknown) or relay ends the
    // connection: the next one asks again from the batch the node (or its feed log) still needs.
    RestartSettings restart = RestartSettings.create(settings.minBackoff(), settings.maxBackoff(), 0.2)
        .withLogSettings(RestartSettings.createLogSettings(akka.event.Logging.DebugLevel()));
    UniqueKillSwitch ingest = RestartSource.withBackoff(restart, () -> FeedSource.from(urls,
                () -> relay.nextBatch(
                    Math.max(StageHeads.read(db.dataSource()).trusted(), l1.snapshot().virtualHead())),
                () -> Address.of(l1.snapshot().trustedSequencer()),
                rollup.chainId(), settings, metrics)
            .mapAsync(1, message -> trusted.apply(message).thenApplyAsync(outcome -> {
              if (outcome.relayed()) relay.relay(message);
              if (outcome.needsResync()) throw new FeedResync(message.batch().number(), outcome);
              return outcome;
            }, blocking)))
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.ignore())
        .run(system);
    log.info("following the sequencer feed at {}", urls);
    return new FeedDoor(relay, metrics, trusted, ingest);
  }

  /** The "feed" section of /status. */
  java.util.Map<String, Object> status() {
    var out = new java.util.LinkedHashMap<String, Object>();
    out.put("following", ingest != null);
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
