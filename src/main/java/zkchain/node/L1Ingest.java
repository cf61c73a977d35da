package zkchain.node;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.pattern.Patterns;
import akka.stream.KillSwitches;
import akka.stream.RestartSettings;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.RestartSource;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.Web3j;
import zkchain.l1.L1Block;
import zkchain.l1.L1Chain;
import zkchain.l1.L1Deployment;
import zkchain.l1.L1Step;
import zkchain.l1.L1SyncHalted;
import zkchain.l1.L1Traversal;
import zkchain.l1.SequencedBatchReader;
import zkchain.l1.ZkChainRollup;
import zkchain.node.BatchExecution.L1View;
import zkchain.node.L1PositionStore.Position;

/**
 * The L1 door of the node, one way:
 * follow L1 (blocks up to the finality, the rollup's logs, reorg detection) → read the batch data
 * from calldata → execute the batches in order → deliver Virtualize / Consolidate / undo to the
 * batch entities → commit the L1 position. Each stage runs one step at a time, so the journal's
 * pace is the sync's pace (backpressure); network and database calls run on the blocking
 * dispatcher. Any failure restarts the stream with backoff from the committed position.
 */
public final class L1Ingest {
  private static final Logger log = LoggerFactory.getLogger(L1Ingest.class);

  private L1Ingest() {}

  /** Starts syncing the rollup of {@code deployment}; the kill switch stops it. */
  public static UniqueKillSwitch start(ActorSystem<?> system, Web3j web3j, L1Deployment deployment,
                                      zkchain.execution.Executor executor) {
    Config c = system.settings().config().getConfig("zkchain.l1");
    L1Traversal.Settings settings = L1Traversal.Settings.from(c);
    Duration poll = c.getDuration("poll-interval");
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    Database db = Database.get(system);
    L1PositionStore positions = new L1PositionStore(db.dataSource(), db.kind());
    ZkChainRollup rollup = ZkChainRollup.at(web3j, deployment.rollup());
    BatchDelivery delivery = new BatchDelivery(system, c.getInt("delivery-parallelism"),
        system.settings().config().getDuration("zkchain.batch.ask-timeout"));
    L1Status status = L1Status.get(system);

    // Failures are logged once here, below; the restart itself only at debug level. A halt (a reorg
    // deeper than the window) completes the stream: retrying could only repeat it.
    RestartSettings restart = RestartSettings.create(
            c.getDuration("retry.min-backoff"), c.getDuration("retry.max-backoff"), 0.2)
        .withLogSettings(RestartSettings.createLogSettings(akka.event.Logging.DebugLevel()));
    AtomicInteger stepBacks = new AtomicInteger();
    Source<BatchExecution.Planned, NotUsed> sync = RestartSource.onFailuresWithBackoff(restart, () -> {
      Position start = positions.load(deployment.rollup()).orElseGet(() -> initial(deployment));
      L1Traversal traversal = new L1Traversal(web3j, rollup, settings, start.l1Chain());
      SequencedBatchReader reader = new SequencedBatchReader(rollup);
      BatchExecution execution = new BatchExecution(executor, start.checkpoints(), stepBacks);
      log.info("L1 sync of rollup {} from L1 block {} (Virtual head {}, verified head {})", deployment.rollup(),
          start.l1Chain().tip().number(), execution.view().lastVirtual(), execution.view().lastVerified());
      return Source.repeat(Done.getInstance())
          .mapAsync(1, tick -> timed(status, L1Status.Stage.L1_READ, Blocking.call(blocking, traversal::next)))
          .map(step -> sawHead(status, step))
          .via(idleWait(system, poll))
          .mapAsync(1, step -> timed(status, L1Status.Stage.L1_READ, Blocking.call(blocking, () -> reader.read(step))))
          .mapAsync(1, read -> timed(status, L1Status.Stage.EXECUTION, Blocking.call(blocking, () -> execution.plan(read))))
          .mapAsync(1, planned -> timed(status, L1Status.Stage.DELIVERY, delivery.deliver(planned)))
          .mapAsync(1, planned -> timed(status, L1Status.Stage.COMMIT,
              Blocking.call(blocking, () -> commit(positions, deployment, planned))))
          .map(planned -> report(status, planned))
          .mapError(Throwable.class, e -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
            if (cause instanceof L1SyncHalted) {
              log.error("L1 sync halted: {}", cause.getMessage());
              status.halted(cause.getMessage());
            } else if (cause instanceof ReadAgain) {
              log.warn("L1 events and calldata disagree, stepping back: {}", cause.getMessage());
            } else if (!cause.toString().equals(status.snapshot().lastError())) {
              // the same failure again (an L1 that stays down) is not logged again
              log.warn("L1 sync failed, retrying with backoff: {}", cause.toString());
            }
            status.error(cause.toString());
            return cause;
          })
          .recoverWithRetries(1, L1SyncHalted.class, Source::empty);
    });
    return sync.viaMat(KillSwitches.single(), Keep.right()).to(Sink.ignore()).run(system);
  }

  /** L1's head as the traversal saw it, before anything later in the step can fail: the lag stays true. */
  private static L1Step sawHead(L1Status status, L1Step step) {
    if (step instanceof L1Step.Advance a) status.sawL1Head(a.head());
    if (step instanceof L1Step.Idle i) status.sawL1Head(i.head());
    return step;
  }

  /** Before the first block of the deployment: genesis, nothing sequenced, the deployed sequencer. */
  static Position initial(L1Deployment d) {
    TreeMap<Long, L1View> checkpoints = new TreeMap<>();
    checkpoints.put(d.deployBlock(), new L1View(0, d.genesisRoot(), zkchain.protocol.Hash32.ZERO.hex(), 0,
        d.trustedSequencer()));
    return new Position(List.of(new L1Block(d.deployBlock(), d.deployBlockHash())), checkpoints);
  }

  /** An idle L1 is asked again after the poll interval; anything else passes at once. */
  private static Flow<L1Step, L1Step, NotUsed> idleWait(ActorSystem<?> system, Duration poll) {
    return Flow.<L1Step>create().mapAsync(1, step -> step instanceof L1Step.Idle
        ? Patterns.after(poll, system.classicSystem().scheduler(), system.executionContext(),
            () -> CompletableFuture.completedFuture(step))
        : CompletableFuture.completedFuture(step));
  }

  private static BatchExecution.Planned commit(L1PositionStore positions, L1Deployment d, BatchExecution.Planned p) {
    if (!(p.step() instanceof L1Step.Idle)) {
      positions.save(d.rollup(), new Position(p.step().chainAfter().blocks(), new TreeMap<>(p.checkpoints())));
    }
    if (p.readAgain() != null) throw new ReadAgain(p.readAgain());
    return p;
  }

  /** A step-back was committed; the stream restarts from it, its traversal having read past it. */
  static final class ReadAgain extends RuntimeException {
    ReadAgain(String why) {
      super(why, null, false, false);
    }
  }

  private static BatchExecution.Planned report(L1Status status, BatchExecution.Planned p) {
    L1Chain chain = p.step().chainAfter();
    long head = p.step() instanceof L1Step.Advance a ? a.head()
        : p.step() instanceof L1Step.Idle i ? i.head() : -1;
    int depth = p.step() instanceof L1Step.Reorg r ? r.depth() : 0;
    if (depth > 0) {
      log.warn("L1 reorg of depth {}: back to L1 block {} ({}), Virtual head {}, verified head {}", depth,
          chain.tip().number(), chain.tip().hash(), p.view().lastVirtual(), p.view().lastVerified());
    }
    status.stepped(head, chain.tip().number(), p.view(), depth);
    return p;
  }

  /** Adds the time from now until the stage completes to the stage's total. */
  private static <T> CompletionStage<T> timed(L1Status status, L1Status.Stage stage, CompletionStage<T> work) {
    long start = System.nanoTime();
    return work.whenComplete((r, e) -> status.spent(stage, System.nanoTime() - start));
  }

}
