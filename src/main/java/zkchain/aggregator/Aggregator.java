package zkchain.aggregator;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.event.Logging;
import akka.japi.Pair;
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
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.execution.CachingNodeStore;
import zkchain.execution.Genesis;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.NodeStore;
import zkchain.l1.L1Chain;
import zkchain.l1.L1Deployment;
import zkchain.l1.L1Sender;
import zkchain.l1.L1Step;
import zkchain.l1.L1Traversal;
import zkchain.l1.SequencedBatchReader;
import zkchain.l1.ZkChainRollup;
import zkchain.node.BatchExecution;
import zkchain.node.Blocking;
import zkchain.node.BatchExecution.L1View;
import zkchain.protocol.Hash32;

/**
 * The trusted aggregator, one way:
 * follow L1 (L1Traversal: blocks, the rollup's logs, L1 reorgs) → read the batch data from
 * calldata (SequencedBatchReader) → execute every sequenced batch itself (BatchExecution) → keep
 * the executed sequence boundaries → at most once per interval, verify up to the newest boundary
 * deep enough on L1 with an attestation proof (PROTOCOL.md §5).
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
      Config a = config.withFallback(ConfigFactory.parseResources("aggregator.conf")).resolve()
          .getConfig("zkchain.aggregator");
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
      // aggregator.conf is the fallback, so the role works before application.conf includes it
      Config c = config.withFallback(ConfigFactory.parseResources("aggregator.conf")).resolve();
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

  /** The last completed step: where a restarted stream continues. Kept in memory only. */
  private record Position(L1Chain chain, NavigableMap<Long, L1View> checkpoints, SequenceBoundaries boundaries,
                          long l1Head) {}

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
  public static Aggregator start(ActorSystem<?> system, L1Deployment deployment, Genesis genesis, Keys keys,
                                 DataSource dataSource) {
    Settings settings = Settings.from(system.settings().config());
    String url = system.settings().config().getString("zkchain.l1.url");
    if (url.isEmpty()) throw new IllegalArgumentException("the aggregator needs zkchain.l1.url (--l1 URL)");
    long timeout = settings.requestTimeout().toMillis();
    OkHttpClient http = new OkHttpClient.Builder()
        .connectTimeout(timeout, TimeUnit.MILLISECONDS).readTimeout(timeout, TimeUnit.MILLISECONDS).build();
    Web3j web3j = Web3j.build(new HttpService(url, http));
    return start(system, web3j, true, deployment, genesis, keys, dataSource, settings);
  }

  /** Starts the aggregator on {@code web3j}, which the caller keeps and shuts down. */
  public static Aggregator start(ActorSystem<?> system, Web3j web3j, L1Deployment deployment, Genesis genesis,
                                 Keys keys, DataSource dataSource, Settings settings) {
    return start(system, web3j, false, deployment, genesis, keys, dataSource, settings);
  }

  private static Aggregator start(ActorSystem<?> system, Web3j web3j, boolean ownsWeb3j, L1Deployment deployment,
                                  Genesis genesis, Keys keys, DataSource dataSource, Settings settings) {
    NodeStore store = new CachingNodeStore(new JdbcNodeStore(dataSource), settings.trieCacheNodes());
    Hash32 genesisRoot = genesis.write(store);
    if (genesis.chainId() != deployment.l2ChainId() || !genesisRoot.hex().equalsIgnoreCase(deployment.genesisRoot())) {
      throw new IllegalArgumentException("genesis (chain " + genesis.chainId() + ", root " + genesisRoot.hex()
          + ") is not the rollup's (chain " + deployment.l2ChainId() + ", root " + deployment.genesisRoot() + ")");
    }
    zkchain.execution.Executor executor = new zkchain.execution.Executor(store, genesis.chainConfig());
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(dispatcher(system, settings)));
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
    log.info("aggregator {} for rollup {} (prover {}): verifying at most every {}, {} L1 blocks deep, {}",
        sender.address(), deployment.rollup(), "0x" + org.web3j.crypto.Keys.getAddress(keys.prover()),
        settings.interval(), settings.minConfirmations(),
        settings.maxBatchesPerProof() == 0 ? "no cap" : "at most " + settings.maxBatchesPerProof() + " batches a proof");

    // the failure is logged once, with its L1 position, by the stream's own mapError; Akka's restart log is debug
    RestartSettings restart = RestartSettings.create(settings.minBackoff(), settings.maxBackoff(), 0.2)
        .withLogSettings(RestartSettings.createLogSettings(Logging.DebugLevel()));
    AtomicInteger stepBacks = new AtomicInteger();
    Source<BatchVerification.Outcome, NotUsed> aggregate = RestartSource.withBackoff(restart, () ->
        Source.completionStage(Blocking.call(blocking, () -> {
          // the first run looks for where to resume; a restart continues from the last completed step,
          // unless an L1 reorg deeper than the kept blocks removed even the oldest of them
          Position last = committed.get();
          if (last == null || !ResumePoint.onL1(web3j, last.chain().blocks().get(0))) {
            if (last != null) log.warn("L1 block {} is no longer on L1: looking again where to resume",
                last.chain().blocks().get(0).number());
            ResumePoint from = ResumePoint.find(web3j, reading, deployment, store, settings.traversal().chunkSize());
            committed.set(position(from));
            status.updateAndGet(s -> s.resumedAfter(from.boundary().numBatch()));
          }
          return committed.get();
        }))
        .flatMapConcat(from -> {
          L1Traversal traversal = new L1Traversal(web3j, reading, settings.traversal(), from.chain());
          SequencedBatchReader reader = new SequencedBatchReader(reading);
          BatchExecution execution = new BatchExecution(executor, from.checkpoints(), stepBacks);
          return Source.repeat(Done.getInstance())
              .via(followL1(blocking, traversal))
              .via(idleWait(system, settings.pollInterval()))
              .via(readCalldata(blocking, reader))
              .via(execute(blocking, execution))
              .map(planned -> {
                Followed followed = commit(committed, status, planned);
                // a committed step-back: read L1 again from it, in a new stream (this traversal read past it)
                if (planned.readAgain() != null) throw new IllegalStateException(planned.readAgain());
                return followed;
              })
              // verification is slower than following: it works from the newest state L1 has reached
              .conflate((older, newer) -> newer)
              .throttle(1, settings.interval())
              .via(verify(blocking, verification, inFlight));
        })
        .map(outcome -> report(status, outcome))
        .mapError(Throwable.class, e -> {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          Position at = committed.get();
          log.warn("aggregator failed, retrying with backoff from L1 block {}: {}",
              at == null ? "(not started)" : at.chain().tip().number(), cause.toString());
          status.updateAndGet(s -> s.failed(cause.toString()));
          return cause;
        }));
    Pair<UniqueKillSwitch, CompletionStage<Done>> running = aggregate
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

  private static Flow<Done, L1Step, NotUsed> followL1(Executor blocking, L1Traversal traversal) {
    return Flow.<Done>create().mapAsync(1, tick -> Blocking.call(blocking, traversal::next));
  }

  /** An idle L1 is asked again after the poll interval; anything else passes at once. */
  private static Flow<L1Step, L1Step, NotUsed> idleWait(ActorSystem<?> system, Duration poll) {
    return Flow.<L1Step>create().mapAsync(1, step -> step instanceof L1Step.Idle
        ? Patterns.after(poll, system.classicSystem().scheduler(), system.executionContext(),
            () -> CompletableFuture.completedFuture(step))
        : CompletableFuture.completedFuture(step));
  }

  private static Flow<L1Step, SequencedBatchReader.Retrieved, NotUsed> readCalldata(Executor blocking,
                                                                                 SequencedBatchReader reader) {
    return Flow.<L1Step>create().mapAsync(1, step -> Blocking.call(blocking, () -> reader.read(step)));
  }

  private static Flow<SequencedBatchReader.Retrieved, BatchExecution.Planned, NotUsed> execute(
      Executor blocking, BatchExecution execution) {
    return Flow.<SequencedBatchReader.Retrieved>create().mapAsync(1, read -> Blocking.call(blocking, () -> execution.plan(read)));
  }

  private static Flow<Followed, BatchVerification.Outcome, NotUsed> verify(
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

  private static Position position(ResumePoint from) {
    TreeMap<Long, L1View> checkpoints = new TreeMap<>();
    checkpoints.put(from.block().number(), from.view());
    TreeMap<Long, SequenceBoundaries.Boundary> boundaries = new TreeMap<>();
    boundaries.put(from.boundary().numBatch(), from.boundary());
    return new Position(L1Chain.startingAt(from.block()), checkpoints, new SequenceBoundaries(boundaries),
        from.block().number());
  }

  private static Followed commit(AtomicReference<Position> committed, AtomicReference<Status> status,
                                 BatchExecution.Planned planned) {
    Position before = committed.get();
    L1Chain chain = planned.step().chainAfter();
    long head = planned.step() instanceof L1Step.Advance a ? a.head()
        : planned.step() instanceof L1Step.Idle i ? i.head() : before.l1Head();
    if (planned.step() instanceof L1Step.Reorg r) {
      log.warn("L1 reorg of depth {}: back to L1 block {}, executed head {}", r.depth(), r.ancestor().number(),
          planned.view().lastVirtual());
    }
    SequenceBoundaries boundaries = before.boundaries().after(planned)
        .forgetBelow(status.get().lastVerifiedBatch(), chain.blocks().get(0).number());
    committed.set(new Position(chain, planned.checkpoints(), boundaries, head));
    status.updateAndGet(s -> s.executed(boundaries.lastExecuted()));
    return new Followed(boundaries, head);
  }

  private static BatchVerification.Outcome report(AtomicReference<Status> status, BatchVerification.Outcome outcome) {
    status.updateAndGet(s -> s.after(outcome));
    return outcome;
  }

  /** The configured dispatcher, or the node's blocking one until application.conf includes aggregator.conf. */
  private static String dispatcher(ActorSystem<?> system, Settings settings) {
    if (system.settings().config().hasPath(settings.dispatcher())) return settings.dispatcher();
    log.warn("no dispatcher {} in the configuration (include aggregator.conf); using zkchain.blocking-dispatcher",
        settings.dispatcher());
    return "zkchain.blocking-dispatcher";
  }

}
