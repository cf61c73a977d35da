package zkchain.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.PostStop;
import akka.actor.typed.PreRestart;
import akka.actor.typed.Props;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import com.typesafe.config.Config;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.CborSerializable;
import zkchain.derive.L1Status;
import zkchain.feed.JdbcFeedLog;
import zkchain.infra.L1Client;
import zkchain.runtime.Rollup;

/**
 * The node's ingest, its two doors into the batch entities, the L1 door (derivation: Virtual,
 * Consolidated) and the feed door (Trusted), together on exactly one member of the cluster at a
 * time, a Cluster Singleton: two members running them on one database would both execute and
 * write every batch. It starts where the singleton lands from what the database holds (the L1
 * position saved, the batches recorded, the feed log's head); it stops its doors when it hands
 * over (its member leaves) and dies with its member (kill -9: the split brain resolver downs the
 * member and the singleton starts on a survivor). The batch entities stay sharded over all members.
 *
 * <p>Every member asks it for its status through the singleton proxy ({@link IngestView}).
 */
public final class Ingest {
  private static final Logger log = LoggerFactory.getLogger(Ingest.class);

  private Ingest() {}

  public sealed interface Command extends CborSerializable {}

  /** Asked by every member's {@link IngestView}, through the singleton proxy. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** The singleton manager's hand-over message: the doors stop before another member starts its own. */
  enum Stop implements Command { INSTANCE }

  /**
   * The ingest as it answers: the member it runs on (cluster address) and since when, the "l1" and
   * "feed" sections of /status, and why the L1 sync halted (null while it has not).
   */
  public record Status(String member, Instant since, Map<String, Object> l1, Map<String, Object> feed,
                       String halted) implements CborSerializable {}

  /**
   * Registers the singleton on this member (it starts here when this member is the oldest) and
   * returns the proxy to it, wherever it runs. {@code here} holds its L1 status while it runs on
   * this member, and null otherwise.
   */
  static ActorRef<Command> init(ActorSystem<?> system, Rollup rollup, JdbcFeedLog feedLog,
                                AtomicReference<L1Status> here) {
    Config config = system.settings().config();
    // A door that fails to start (the database, the L1 endpoint) is started again, with backoff.
    Behavior<Command> supervised = Behaviors.supervise(ingest(rollup, feedLog, here))
        .onFailure(SupervisorStrategy.restartWithBackoff(
            config.getDuration("zkchain.l1.retry.min-backoff"), config.getDuration("zkchain.l1.retry.max-backoff"), 0.2));
    return ClusterSingleton.get(system).init(SingletonActor.of(supervised, "ingest")
        .withStopMessage(Stop.INSTANCE)
        // starting the doors reads the database: on the blocking dispatcher, not the default one
        .withProps(Props.empty().withNext(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"))));
  }

  private static Behavior<Command> ingest(Rollup rollup, JdbcFeedLog feedLog, AtomicReference<L1Status> here) {
    return Behaviors.setup(ctx -> {
      ActorSystem<?> system = ctx.getSystem();
      String member = Cluster.get(system).selfMember().address().toString();
      Doors doors = Doors.start(system, rollup, feedLog);
      Instant since = Instant.now();
      here.set(doors.l1.status());
      NodeMetrics.get(system).ingestStarted(doors.l1.status(), doors.feed.metrics(), doors.feed.trusted());
      log.info("the ingest (L1 derivation and the feed client) runs on this member, {}", member);
      Runnable stop = () -> {
        here.set(null);
        NodeMetrics.get(system).ingestStopped();
        doors.close();
      };
      return Behaviors.receive(Command.class)
          .onMessage(GetStatus.class, get -> {
            get.replyTo().tell(doors.status(member, since));
            return Behaviors.same();
          })
          .onMessageEquals(Stop.INSTANCE, () -> {
            log.info("the ingest stops on this member, {}: handed over, or the cluster stops", member);
            stop.run();
            return Behaviors.stopped();
          })
          .onSignal(PreRestart.class, signal -> {
            stop.run();
            return Behaviors.same();
          })
          .onSignal(PostStop.class, signal -> {
            stop.run();
            return Behaviors.same();
          })
          .build();
    });
  }

  /** The L1 door and the feed door, sharing what they know of the batches the feed door executed. */
  private static final class Doors {
    private final L1Door l1;
    private final FeedDoor feed;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Doors(L1Door l1, FeedDoor feed) {
      this.l1 = l1;
      this.feed = feed;
    }

    /** Blocking: the feed log's head is read again, since another member may have written it last. */
    static Doors start(ActorSystem<?> system, Rollup rollup, JdbcFeedLog feedLog) {
      Config config = system.settings().config();
      feedLog.refreshHead();
      TrustedChain trustedChain = new TrustedChain(system, config.getDuration("zkchain.batch.ask-timeout"),
          config.getInt("zkchain.feed.door.remembered-batches"));
      L1Door l1 = L1Door.start(system, rollup, L1Client.connect(config, "node"), trustedChain);
      try {
        return new Doors(l1, FeedDoor.start(system, rollup, l1.status(), trustedChain, feedLog));
      } catch (RuntimeException e) {
        l1.close();
        throw e;
      }
    }

    Status status(String member, Instant since) {
      return new Status(member, since, l1.status().section(), feed.status(), l1.status().snapshot().halted());
    }

    void close() {
      if (closed.compareAndSet(false, true)) {
        feed.close();
        l1.close();
      }
    }
  }
}
