package zkchain.derive;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.pattern.Patterns;
import akka.stream.RestartSettings;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.RestartSource;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.Web3j;
import zkchain.infra.Blocking;
import zkchain.l1.ZkChainRollup;

/**
 * L1 derivation as one stream, the same for the node and the aggregator, each stage pulling from
 * the one before (op-node's derivation pipeline is the model):
 * {@link L1Traversal} (blocks up to the finality, the rollup's logs, L1 reorgs) →
 * {@link CalldataRetrieval} (the batch data of each sequencing call) →
 * {@link BatchExecution} (every batch executed in order; what each step means for the batches) →
 * the consumer's commit (the node delivers to its batch entities and saves its position; the
 * aggregator keeps its position) → the consumer's own stages.
 *
 * <p>Each stage takes one step at a time, so the consumer's pace is the stream's pace; blocking
 * calls run on the given dispatcher. A failure restarts the stream with backoff from the position
 * the consumer committed last, logged once; a halt ({@link L1SyncHalted}) ends it.
 */
public final class DerivationStream {
  private static final Logger log = LoggerFactory.getLogger(DerivationStream.class);

  private DerivationStream() {}

  /** From the {@code zkchain.l1} section. */
  public record Settings(L1Traversal.Settings traversal, Duration pollInterval, Duration minBackoff,
                         Duration maxBackoff) {
    public static Settings from(Config l1) {
      return new Settings(L1Traversal.Settings.from(l1), l1.getDuration("poll-interval"),
          l1.getDuration("retry.min-backoff"), l1.getDuration("retry.max-backoff"));
    }
  }

  /** What the stream reads L1 with and executes batches on, and what it need not execute again. */
  public record L1(Web3j web3j, ZkChainRollup rollup, zkchain.execution.Executor executor,
                   BatchExecution.AlreadyExecuted alreadyExecuted) {}

  /** Where the consumer plugs in. */
  public record Consumer<T>(
      /** Where a (re)started stream begins: the last committed position. Blocking. */
      Callable<L1Position> committed,
      /** Acts on a planned step and commits it; the next step is planned only once this completes. */
      Function<BatchExecution.Planned, CompletionStage<BatchExecution.Planned>> commit,
      /** The consumer's stages after the commit, restarted with the stream. */
      Flow<BatchExecution.Planned, T, NotUsed> then,
      /** Told of every failure (besides the log line and the status). */
      java.util.function.Consumer<Throwable> onFailure,
      /**
       * Whether a halt ends the stream: a node must (it delivered what it can no longer undo); the
       * aggregator restarts and looks again where to resume, since it only keeps its position in memory.
       */
      boolean endsOnHalt) {}

  /** A committed step-back: read L1 again from it, in a new stream (this traversal read past it). */
  static final class ReadAgain extends RuntimeException {
    ReadAgain(String why) {
      super(why, null, false, false);
    }
  }

  public static <T> Source<T, NotUsed> source(ActorSystem<?> system, Executor blocking, Settings settings, L1 l1,
                                              L1Status status, Consumer<T> consumer) {
    // Failures are logged once here, below; the restart itself only at debug level.
    RestartSettings restart = RestartSettings.create(settings.minBackoff(), settings.maxBackoff(), 0.2)
        .withLogSettings(RestartSettings.createLogSettings(akka.event.Logging.DebugLevel()));
    AtomicInteger stepBacks = new AtomicInteger();
    return RestartSource.onFailuresWithBackoff(restart, () -> Source.completionStage(
            Blocking.call(blocking, consumer.committed()))
        .flatMapConcat(start -> {
          L1Traversal traversal = new L1Traversal(l1.web3j(), l1.rollup(), settings.traversal(), start.l1Chain());
          CalldataRetrieval retrieval = new CalldataRetrieval(l1.rollup());
          BatchExecution execution = new BatchExecution(l1.executor(), start.checkpoints(), stepBacks,
              l1.alreadyExecuted(), status);
          log.info("L1 derivation of rollup {} from L1 block {} (Virtual head {}, verified head {})",
              l1.rollup().address(), start.l1Chain().tip().number(), execution.view().lastVirtual(),
              execution.view().lastVerified());
          return Source.repeat(Done.getInstance())
              .mapAsync(1, tick -> timed(status, L1Status.Stage.L1_READ, Blocking.call(blocking, traversal::next)))
              .map(step -> sawHead(status, step, traversal.finalized()))
              .via(idleWait(system, settings.pollInterval()))
              .mapAsync(1, step -> timed(status, L1Status.Stage.L1_READ,
                  Blocking.call(blocking, () -> retrieval.read(step))))
              .mapAsync(1, read -> timed(status, L1Status.Stage.EXECUTION,
                  Blocking.call(blocking, () -> execution.plan(read))))
              .mapAsync(1, planned -> timed(status, L1Status.Stage.DELIVERY, consumer.commit().apply(planned)))
              .map(planned -> report(status, planned))
              .via(consumer.then());
        })
        .mapError(Throwable.class, e -> {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof L1SyncHalted && consumer.endsOnHalt()) {
            log.error("L1 derivation halted: {}", cause.getMessage());
            status.halted(cause.getMessage());
          } else if (cause instanceof ReadAgain) {
            log.warn("L1 events and calldata disagree, stepping back: {}", cause.getMessage());
          } else if (!cause.toString().equals(status.snapshot().lastError())) {
            // the same failure again (an L1 that stays down) is not logged again
            log.warn("L1 derivation failed, retrying with backoff: {}", cause.toString());
          }
          status.error(cause.toString());
          consumer.onFailure().accept(cause);
          return cause;
        })
        .recoverWithRetries(1, new akka.japi.pf.PFBuilder<Throwable, akka.stream.Graph<akka.stream.SourceShape<T>, NotUsed>>()
            .match(L1SyncHalted.class, halt -> consumer.endsOnHalt(), halt -> Source.empty())
            .build()));
  }

  /** L1's head as the traversal saw it, before anything later in the step can fail: the lag stays true. */
  private static L1Step sawHead(L1Status status, L1Step step, long finalized) {
    status.sawFinalized(finalized);
    if (step instanceof L1Step.Advance a) status.sawL1Head(a.head());
    if (step instanceof L1Step.Idle i) status.sawL1Head(i.head());
    return step;
  }

  /** An idle L1 is asked again after the poll interval; anything else passes at once. */
  private static Flow<L1Step, L1Step, NotUsed> idleWait(ActorSystem<?> system, Duration poll) {
    return Flow.<L1Step>create().mapAsync(1, step -> step instanceof L1Step.Idle
        ? Patterns.after(poll, system.classicSystem().scheduler(), system.executionContext(),
            () -> CompletableFuture.completedFuture(step))
        : CompletableFuture.completedFuture(step));
  }

  /** A committed step-back restarts the stream; any other step is reported in the status. */
  private static BatchExecution.Planned report(L1Status status, BatchExecution.Planned p) {
    if (p.readAgain() != null) throw new ReadAgain(p.readAgain());
    L1Chain chain = p.step().chainAfter();
    int depth = p.step() instanceof L1Step.Reorg r ? r.depth() : 0;
    if (depth > 0) {
      log.warn("L1 reorg of depth {}: back to L1 block {} ({}), Virtual head {}, verified head {}", depth,
          chain.tip().number(), chain.tip().hash(), p.view().lastVirtual(), p.view().lastVerified());
    }
    status.stepped(chain.tip().number(), p.view(), depth);
    return p;
  }

  /** Adds the time from now until the stage completes to the stage's total. */
  private static <T> CompletionStage<T> timed(L1Status status, L1Status.Stage stage, CompletionStage<T> work) {
    long start = System.nanoTime();
    return work.whenComplete((r, e) -> status.spent(stage, System.nanoTime() - start));
  }
}
