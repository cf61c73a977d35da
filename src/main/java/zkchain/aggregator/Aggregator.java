package zkchain.aggregator;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.japi.Pair;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.protocol.Web3j;
import zkchain.DevKeys;
import zkchain.derive.BatchExecution;
import zkchain.derive.DerivationStream;
import zkchain.derive.L1Position;
import zkchain.derive.L1Status;
import zkchain.derive.L1Step;
import zkchain.derive.L1Traversal;
import zkchain.execution.CachingNodeStore;
import zkchain.execution.Genesis;
import zkchain.execution.JdbcNodeStore;
import zkchain.infra.Blocking;
import zkchain.infra.L1Client;
import zkchain.l1.L1Deployment;
import zkchain.l1.L1Sender;
import zkchain.l1.ZkChainRollup;
import zkchain.runtime.Rollup;

/**
 * The trusted aggregator, one way: L1 derivation, the node's own ({@link DerivationStream}:
 * every sequenced batch executed by the aggregator itself) → keep the executed sequence
 * boundaries → at most once per interval, verify up to the newest boundary deep enough on L1
 * with an attestation proof (PROTOCOL.md §5).
 *
 * <p>Its only durable position is the contract's lastVerifiedBatch: every attempt starts there,
 * so after a restart it neither verifies a batch again nor skips one. It starts following L1 at
 * the block that sequenced lastVerifiedBatch when its trie store holds that batch's root, else at
 * the deployment, from the genesis ({@link ResumePoint}). L1 errors restart the stream with
 * backoff from the last step it completed; a reverted verification is logged once and tried again
 * at the next interval. Blocking calls run on its own dispatcher.
 */
public final class Aggregator {
  private static final Logger log = LoggerFactory.getLogger(Aggregator.class);

  /** The aggregator's two keys: the L1 sender (the rollup's trustedAggregator) and the prover. */
  public record Keys(Credentials aggregator, ECKeyPair prover) {
    /** zkchain.aggregator.aggregator-key and prover-key (ZKCHAIN_AGGREGATOR_KEY, ZKCHAIN_PROVER_KEY). */
    public static Keys from(Config config) {
      Config a = config.getConfig("zkchain.aggregator");
      String aggregator = a.getString("aggregator-key");
      String prover = a.getString("prover-key");
      if (aggregator.isEmpty() || prover.isEmpty()) {
        throw new IllegalArgumentException("the aggregator needs zkchain.aggregator.aggregator-key and prover-key"
            + " (ZKCHAIN_AGGREGATOR_KEY, ZKCHAIN_PROVER_KEY); on a devnet they are DevKeys " + DevKeys.AGGREGATOR
            + " and " + DevKeys.PROVER);
      }
      return new Keys(Credentials.create(aggregator), Credentials.create(prover).getEcKeyPair());
    }

    /** Addresses only: a private key never reaches a log. */
    @Override
    public String toString() {
      return "Keys[aggregator=" + aggregator.getAddress() + ", prover=0x" + org.web3j.crypto.Keys.getAddress(prover) + "]";
    }

    /** The devnet's: DevKeys.AGGREGATOR sends, DevKeys.PROVER attests. */
    public static Keys dev() {
      return new Keys(Credentials.create(DevKeys.key(DevKeys.AGGREGATOR)),
          Credentials.create(DevKeys.key(DevKeys.PROVER)).getEcKeyPair());
    }
  }

  /** zkchain.aggregator (conf/aggregator.conf) and the zkchain.l1 settings it follows L1 with. */
  public record Settings(int minConfirmations, Duration interval, int maxBatchesPerProof, String dispatcher,
                         L1Traversal.Settings traversal, Duration pollInterval, Duration minBackoff,
                         Duration maxBackoff, Duration requestTimeout, Duration receiptTimeout, int trieCacheNodes) {
    public static Settings from(Config config) {
      Config c = config;
      Config a = c.getConfig("zkchain.aggregator");
      Config l1 = c.getConfig("zkchain.l1");
      int max = a.getInt("max-batches-per-proof");
      if (max < 0) throw new IllegalArgumentException("zkchain.aggregator.max-batches-per-proof must be ≥ 0, got " + max);
      return new Settings(a.getInt("min-confirmations"), a.getDuration("interval"), max, a.getString("dispatcher"),
          L1Traversal.Settings.from(l1),
          l1.getDuration("poll-interval"), l1.getDuration("retry.min-backoff"), l1.getDuration("retry.max-backoff"),
          l1.getDuration("request-timeout"), a.getDuration("receipt-timeout"),
          c.getInt("zkchain.execution.trie-cache-nodes"));
    }

    public Settings withMaxBatchesPerProof(int max) {
      return new Settings(minConfirmations, interval, max, dispatcher, traversal, pollInterval, minBackoff, maxBackoff,
          requestTimeout, receiptTimeout, trieCacheNodes);
    }

    public Settings withInterval(Duration every) {
      return new Settings(minConfirmations, every, maxBatchesPerProof, dispatcher, traversal, pollInterval, minBackoff,
          maxBackoff, requestTimeout, receiptTimeout, trieCacheNodes);
    }

    public Settings withMinConfirmations(int confirmations) {
      return new Settings(confirmations, interval, maxBatchesPerProof, dispatcher, traversal, pollInterval, minBackoff,
          maxBackoff, requestTimeout, receiptTimeout, trieCacheNodes);
    }
  }

  /**
   * What the aggregator has done so far.
   *
   * @param resumedAfterBatch the verified batch it started following L1 after (0: the genesis; -1: not yet)
   * @param lastExecutedBatch the newest sequence boundary it executed
   * @param lastVerifiedBatch the contract's, as last read
   * @param attempts verification decisions taken, one per interval at most, including "nothing to verify"
   * @param reverts verification attempts the contract refused (each retry counts)
   */
  public record Status(long resumedAfterBatch, long lastExecutedBatch, long lastVerifiedBatch, long attempts,
                       long verifications, long reverts, String lastRevertReason, boolean stateRootMismatch,
                       String lastError) {
    static final Status STARTING = new Status(-1, 0, 0, 0, 0, 0, null, false, null);

    Status resumedAfter(long batch) {
      return new Status(batch, batch, batch, attempts, verifications, reverts, lastRevertReason, stateRootMismatch,
          lastError);
    }

    Status executed(long batch) {
      return new Status(resumedAfterBatch, batch, lastVerifiedBatch, attempts, verifications, reverts,
          lastRevertReason, stateRootMismatch, lastError);
    }

    Status failed(String error) {
      return new Status(resumedAfterBatch, lastExecutedBatch, lastVerifiedBatch, attempts, verifications, reverts,
          lastRevertReason, stateRootMismatch, error);
    }

    Status after(BatchVerification.Outcome outcome) {
      if (outcome instanceof BatchVerification.Verified v) {
        return new Status(resumedAfterBatch, lastExecutedBatch, v.finalNewBatch(), attempts + 1, verifications + 1,
            reverts, lastRevertReason, false, null);
      } else if (outcome instanceof BatchVerification.Reverted r) {
        return new Status(resumedAfterBatch, lastExecutedBatch, r.initNumBatch(), attempts + 1, verifications,
            reverts + 1, r.reason(), false, null);
      } else if (outcome instanceof BatchVerification.StateRootMismatch m) {
        return new Status(resumedAfterBatch, lastExecutedBatch, m.initNumBatch(), attempts + 1, verifications,
            reverts, lastRevertReason, true, null);
      }
      long verified = ((BatchVerification.NothingToVerify) outcome).lastVerifiedBatch();
      return new Status(resumedAfterBatch, lastExecutedBatch, verified, attempts + 1, verifications, reverts,
          lastRevertReason, false, null);
    }
  }

  /** What following L1 has reached: the executed boundaries and L1's head, for the next attempt. */
  record Followed(SequenceBoundaries boundaries, long l1Head) {}

  /** The last completed step: where a restarted stream continues, and what it reached. Kept in memory only. */
  private record Position(L1Position derivation, SequenceBoundaries boundaries, long l1Head) {
    static Position at(ResumePoint from) {
      TreeMap<Long, SequenceBoundaries.Boundary> boundaries = new TreeMap<>();
      boundaries.put(from.boundary().numBatch(), from.boundary());
      return new Position(from.position(), new SequenceBoundaries(boundaries), from.block().number());
    }

    Followed followed() {
      return new Followed(boundaries, l1Head);
    }
  }

  private final UniqueKillSwitch killSwitch;
  private final CompletionStage<Done> done;
  private final AtomicReference<Status> status;
  private final AtomicReference<CompletableFuture<?>> inFlight;
  private final Web3j ownedWeb3j;

  private Aggregator(UniqueKillSwitch killSwitch, CompletionStage<Done> done, AtomicReference<Status> status,
                     AtomicReference<CompletableFuture<?>> inFlight, Web3j ownedWeb3j) {
    this.killSwitch = killSwitch;
    this.done = done;
    this.status = status;
    this.inFlight = inFlight;
    this.ownedWeb3j = ownedWeb3j;
  }

  /** Starts the aggregator on zkchain.l1.url with the settings of the system's configuration. */
  public static Aggregator start(ActorSystem<?> system, Rollup rollup, Keys keys) {
    Settings settings = Settings.from(system.settings().config());
    Web3j web3j = L1Client.connect(system.settings().config(), "aggregator");
    return start(system, web3j, true, rollup, keys, settings);
  }

  /** Starts the aggregator on {@code web3j}, which the caller keeps and shuts down. */
  public static Aggregator start(ActorSystem<?> system, Web3j web3j, L1Deployment deployment, Genesis genesis,
                                 Keys keys, DataSource dataSource, Settings settings) {
    Rollup rollup = Rollup.open(deployment, genesis,
        new CachingNodeStore(new JdbcNodeStore(dataSource), settings.trieCacheNodes()));
    return start(system, web3j, false, rollup, keys, settings);
  }

  private static Aggregator start(ActorSystem<?> system, Web3j web3j, boolean ownsWeb3j, Rollup rollup, Keys keys,
                                  Settings settings) {
    L1Deployment deployment = rollup.deployment();
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(settings.dispatcher()));
    ZkChainRollup reading = ZkChainRollup.at(web3j, deployment.rollup());
    // the deployment's L1 chain id: starting needs no L1 round trip, so a down L1 is retried like any other error
    L1Sender sender = new L1Sender(web3j, keys.aggregator(), deployment.l1ChainId(), Duration.ofMillis(100),
        settings.receiptTimeout());
    BatchVerification verification = new BatchVerification(ZkChainRollup.at(sender, deployment.rollup()),
        sender.address(), keys.prover(), deployment.l2ChainId(), settings);

    // null until the first run found where to resume; then the last step the stream completed
    AtomicReference<Position> committed = new AtomicReference<>();
    AtomicReference<Status> status = new AtomicReference<>(Status.STARTING);
    AtomicReference<CompletableFuture<?>> inFlight = new AtomicReference<>(CompletableFuture.completedFuture(null));
    L1Status derivation = new L1Status();
    derivation.observeReorgs(zkchain.infra.Metrics.get(system)::l1Reorg);
    derivation.started(deployment.rollup(), deployment.deployBlock(), deployment.trustedSequencer());
    log.info("aggregator {} for rollup {} (prover {}): verifying at most every {}, {} L1 blocks deep, {}",
        sender.address(), deployment.rollup(), "0x" + org.web3j.crypto.Keys.getAddress(keys.prover()),
        settings.interval(), settings.minConfirmations(),
        settings.maxBatchesPerProof() == 0 ? "no cap" : "at most " + settings.maxBatchesPerProof() + " batches a proof");

    DerivationStream.Consumer<BatchVerification.Outcome> consumer = new DerivationStream.Consumer<>(
        () -> {
          // the first run looks for where to resume; a restart continues from the last completed step,
          // unless an L1 reorg deeper than the kept blocks removed even the oldest of them
          Position last = committed.get();
          if (last == null || !ResumePoint.onL1(web3j, last.derivation().chain().get(0))) {
            if (last != null) log.warn("L1 block {} is no longer on L1: looking again where to resume",
                last.derivation().chain().get(0).number());
            ResumePoint from = ResumePoint.find(web3j, reading, deployment, rollup.store(),
                settings.traversal().chunkSize());
            committed.set(Position.at(from));
            status.updateAndGet(s -> s.resumedAfter(from.boundary().numBatch()));
          }
          return committed.get().derivation();
        },
        planned -> CompletableFuture.completedFuture(commit(committed, status, planned)),
        // verification is slower than following: it works from the newest state L1 has reached
        Flow.<BatchExecution.Planned>create()
            .map(planned -> committed.get().followed())
            .conflate((older, newer) -> newer)
            .throttle(1, settings.interval())
            .via(verify(blocking, verification, inFlight))
            .map(outcome -> report(status, outcome)),
        failure -> status.updateAndGet(s -> s.failed(failure.toString())),
        false);
    DerivationStream.Settings derive = new DerivationStream.Settings(settings.traversal(), settings.pollInterval(),
        settings.minBackoff(), settings.maxBackoff());
    Pair<UniqueKillSwitch, CompletionStage<Done>> running = DerivationStream.source(system, blocking, derive,
            new DerivationStream.L1(web3j, reading, rollup.executor(zkchain.infra.Metrics.get(system).execution()), BatchExecution.AlreadyExecuted.NONE), derivation, consumer)
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    return new Aggregator(running.first(), running.second(), status, inFlight, ownsWeb3j ? web3j : null);
  }

  public Status status() {
    return status.get();
  }

  /** Stops following L1; completes once no verification is in flight, so a successor starts clean. */
  public CompletionStage<Done> stop() {
    killSwitch.shutdown();
    return done.exceptionally(e -> Done.getInstance())
        .thenCompose(d -> inFlight.get().handle((r, e) -> Done.getInstance()))
        .whenComplete((d, e) -> {
          if (ownedWeb3j != null) ownedWeb3j.shutdown();
        });
  }

  // ---- stages ----

  private static Flow<Followed, BatchVerification.Outcome, akka.NotUsed> verify(
      Executor blocking, BatchVerification verification, AtomicReference<CompletableFuture<?>> inFlight) {
    return Flow.<Followed>create().mapAsync(1, followed -> {
      // a restarted stream's first attempt waits for the failed stream's last one: one sender, nonces in order
      CompletableFuture<BatchVerification.Outcome> attempt = inFlight.get().handle((r, e) -> followed)
          .thenCompose(f -> Blocking.call(blocking, () -> verification.attempt(f)));
      inFlight.set(attempt);
      return attempt;
    });
  }

  // ---- state ----

  private static BatchExecution.Planned commit(AtomicReference<Position> committed, AtomicReference<Status> status,
                                               BatchExecution.Planned planned) {
    Position before = committed.get();
    long head = planned.step() instanceof L1Step.Advance a ? a.head()
        : planned.step() instanceof L1Step.Idle i ? i.head() : before.l1Head();
    SequenceBoundaries boundaries = before.boundaries().after(planned)
        .forgetBelow(status.get().lastVerifiedBatch(), planned.step().chainAfter().blocks().get(0).number());
    committed.set(new Position(L1Position.after(planned), boundaries, head));
    status.updateAndGet(s -> s.executed(boundaries.lastExecuted()));
    return planned;
  }

  private static BatchVerification.Outcome report(AtomicReference<Status> status, BatchVerification.Outcome outcome) {
    status.updateAndGet(s -> s.after(outcome));
    return outcome;
  }

}
