package zkchain.sequencer;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.server.Route;
import akka.stream.KillSwitches;
import akka.stream.RestartSettings;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.RestartSource;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import zkchain.execution.Account;
import zkchain.execution.CachingNodeStore;
import zkchain.execution.Genesis;
import zkchain.execution.JdbcBlockHashes;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.L2Chain;
import zkchain.execution.NodeStore;
import zkchain.feed.FeedLog;
import zkchain.http.JsonRpc;
import zkchain.infra.L1Client;
import zkchain.l1.L1Deployment;
import zkchain.l1.L1Sender;
import zkchain.l1.ZkChainRollup;
import zkchain.protocol.Address;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.runtime.Rollup;

/**
 * The trusted sequencer role: admits transactions over JSON-RPC into the open batch, closes,
 * executes, signs and persists batches ({@link BatchSequencer}), serves them to the feed
 * ({@link #closedFrom}) and sequences them on L1 ({@link L1Sequencing}).
 *
 * <p>All mutable state lives in the one BatchSequencer actor; the streams here only ask it, read
 * the database, or call L1, on the sequencer's blocking dispatcher; the actor has a thread of its own.
 */
public final class Sequencer {
  private static final Logger log = LoggerFactory.getLogger(Sequencer.class);
  /** Closed batches read from the database per query when replaying. */
  private static final int REPLAY_PAGE = 256;
  /** How long a caught-up reader waits for the next batch before looking at the database again. */
  private static final Duration AWAIT_BATCH = Duration.ofSeconds(5);

  private final ActorSystem<?> system;
  private final SequencerSettings settings;
  private final ActorRef<BatchSequencer.Command> actor;
  private final SequencerBatchStore batches;
  private final Executor blocking;
  private final long chainId;
  private final Address sequencerAddress;
  private final Address coinbase;
  private final Web3j l1;
  private final UniqueKillSwitch l1Clock;
  private final Optional<UniqueKillSwitch> l1Sequencing;
  private final CompletableFuture<Done> stopped = new CompletableFuture<>();
  private volatile CompletionStage<ServerBinding> binding;
  private final L2Chain chain;
  private final DataSource dataSource;

  private Sequencer(ActorSystem<?> system, SequencerSettings settings, ActorRef<BatchSequencer.Command> actor,
      SequencerBatchStore batches, Executor blocking, long chainId, Address sequencerAddress, Address coinbase,
      Web3j l1, UniqueKillSwitch l1Clock, Optional<UniqueKillSwitch> l1Sequencing, L2Chain chain,
      DataSource dataSource) {
    this.system = system;
    this.chain = chain;
    this.dataSource = dataSource;
    this.settings = settings;
    this.actor = actor;
    this.batches = batches;
    this.blocking = blocking;
    this.chainId = chainId;
    this.sequencerAddress = sequencerAddress;
    this.coinbase = coinbase;
    this.l1 = l1;
    this.l1Clock = l1Clock;
    this.l1Sequencing = l1Sequencing;
  }

  /**
   * Starts the sequencer with the system's configuration: {@code zkchain.l1.url} and
   * {@code zkchain.sequencer} (conf/sequencer.conf's defaults under whatever is set).
   */
  public static Sequencer start(ActorSystem<?> system, DataSource dataSource, Rollup rollup,
      Credentials sequencerKey) {
    var config = system.settings().config();
    String l1Url = config.getString("zkchain.l1.url");
    if (l1Url.isEmpty()) throw new IllegalArgumentException("the sequencer needs L1: set zkchain.l1.url (--l1 URL)");
    return start(system, dataSource, rollup, sequencerKey, l1Url, SequencerSettings.from(config));
  }

  /** As {@link #start(ActorSystem, DataSource, Rollup, Credentials, String, SequencerSettings)} on a node store of its own. */
  public static Sequencer start(ActorSystem<?> system, DataSource dataSource, L1Deployment deployment,
      Genesis genesis, Credentials sequencerKey, String l1Url, SequencerSettings settings) {
    Rollup rollup = Rollup.open(deployment, genesis,
        new CachingNodeStore(new JdbcNodeStore(dataSource), settings.trieCacheNodes()));
    return start(system, dataSource, rollup, sequencerKey, l1Url, settings);
  }

  /**
   * Starts the sequencer on {@code chain} (its genesis already checked): checks the key and the database against the deployment,
   * resumes after the last persisted batch, and starts sequencing on L1 (when enabled). Blocks
   * while it reads L1 and the database; call it at boot, not from an actor. The JSON-RPC route is
   * {@link #rpcRoute()}; {@link #bindRpc()} serves it on the configured interface and port.
   *
   * @param dataSource the node's database, with the schema applied (sequencer_batch, trie_node)
   * @param sequencerKey the L1 trusted sequencer's key: signs the feed and pays for sequenceBatches
   * @param l1Url the L1 JSON-RPC endpoint the deployment lives on
   */
  public static Sequencer start(ActorSystem<?> system, DataSource dataSource, Rollup chain,
      Credentials sequencerKey, String l1Url, SequencerSettings settings) {
    L1Deployment deployment = chain.deployment();
    Genesis genesis = chain.genesis();
    NodeStore store = chain.store();
    Hash32 genesisRoot = chain.genesisRoot();
    Web3j web3j = L1Client.connect(l1Url, system.settings().config().getDuration("zkchain.l1.request-timeout"));
    try {
      L1Sender sender = L1Sender.of(web3j, sequencerKey);
      ZkChainRollup rollup = ZkChainRollup.at(sender, deployment.rollup());
      Address sequencerAddress = Address.of(sequencerKey.getAddress());
      if (!Address.of(rollup.trustedSequencer()).equals(sequencerAddress)) {
        throw new IllegalArgumentException("key " + sequencerAddress + " is not the rollup's trusted sequencer "
            + rollup.trustedSequencer() + ": nodes would refuse every batch it signs");
      }
      SequencerBatchStore batches = new SequencerBatchStore(dataSource);
      BatchCloser closer = new BatchCloser(chain.executor(zkchain.infra.Metrics.get(system).execution()),
          genesis.chainId(), sequencerKey.getEcKeyPair());
      SequencerHead genesisHead = SequencerHead.genesis(genesisRoot, rollup.lastTimestamp());
      SequencerHead lastClosed = batches.last().map(SequencerHead::of).orElse(genesisHead);
      long l1Head = sender.blockNumber();
      long onL1 = rollup.atBlock(l1Head).lastBatchSequenced();
      if (onL1 > lastClosed.number()) {
        log.warn("L1 has sequenced up to batch {} but the database has closed only up to {}: recovering batches {}..{} "
            + "from L1", onL1, lastClosed.number(), lastClosed.number() + 1, onL1);
        new L1Recovery(rollup, deployment.deployBlock(), batches, closer).recover(lastClosed, onL1, l1Head);
      }
      Address coinbase = settings.coinbase().map(Address::of).orElse(sequencerAddress);
      String dispatcher = SequencerSettings.DISPATCHER;
      Executor blocking = system.dispatchers().lookup(
          DispatcherSelector.fromConfig(SequencerSettings.BLOCKING_DISPATCHER));

      BatchSequencer.Setup setup = new BatchSequencer.Setup(store, genesis.chainConfig(), coinbase, closer, batches,
          new PendingTransactionStore(dataSource), genesisHead, latestL1Timestamp(web3j), settings.maxTransactions(),
          settings.maxDelay(), Clock.systemUTC());
      // a failure while closing restarts the actor from the database, never from half-done memory
      Behavior<BatchSequencer.Command> behavior = Behaviors.supervise(BatchSequencer.create(setup))
          .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
      // a system actor: the role is started from outside the guardian, on whatever ActorSystem Main made
      ActorRef<BatchSequencer.Command> actor = system.systemActorOf(behavior,
          "sequencer-" + UUID.randomUUID().toString().substring(0, 8), DispatcherSelector.fromConfig(dispatcher));

      UniqueKillSwitch clock = startL1Clock(system, web3j, actor, blocking, settings.l1ClockInterval());
      Optional<UniqueKillSwitch> sequencing = Optional.empty();
      if (settings.l1Enabled()) {
        if (settings.divergentBatchTestHook() > 0) {
          log.warn("TEST HOOK on: batch {} will be sequenced on L1 with other data than the feed sent",
              settings.divergentBatchTestHook());
        }
        L1Sequencing l1Sequencing = new L1Sequencing(sender, rollup, batches, coinbase.hex(),
            settings.batchesPerCall(), settings.divergentBatchTestHook(), SequencerMetrics.get(system)::l1Gas);
        sequencing = Optional.of(startL1Sequencing(system, l1Sequencing, blocking, settings,
            SequencerMetrics.get(system)));
      }
      log.info("Sequencer {} started for chain {} on rollup {} (coinbase {}, L1 has batches up to {})",
          sequencerAddress, genesis.chainId(), deployment.rollup(), coinbase, onL1);
      L2Chain l2Chain = new L2Chain(n -> batches.get(n).map(m -> new L2Chain.Entry(m.batch(), m.stateRoot(),
          m.accInputHash())), store, genesis.chainConfig(), genesisRoot, new JdbcBlockHashes(dataSource));
      return new Sequencer(system, settings, actor, batches, blocking, genesis.chainId(), sequencerAddress, coinbase,
          web3j, clock, sequencing, l2Chain, dataSource);
    } catch (RuntimeException e) {
      web3j.shutdown();
      throw e;
    }
  }

  /** Every closed batch from {@code number} on, in order: the persisted ones, then each new one as it closes. */
  public Source<BatchMessage, NotUsed> closedFrom(long number) {
    return FeedLog.paged(Math.max(1, number), this::nextClosed);
  }

  /** A page of closed batches from {@code next}; when there is none yet, waits until one closes. */
  private CompletionStage<List<BatchMessage>> nextClosed(long next) {
    if (stopped.isDone()) return CompletableFuture.completedFuture(null);
    return CompletableFuture.supplyAsync(() -> batches.from(next, REPLAY_PAGE), blocking).thenCompose(page -> {
      if (!page.isEmpty()) return CompletableFuture.completedFuture(page);
      // woken by the actor once `next` is persisted; a timeout (actor restarting) just reads again
      return AskPattern.<BatchSequencer.Command, SequencerHead>ask(actor, r -> new BatchSequencer.AwaitBatch(next, r),
              AWAIT_BATCH, system.scheduler())
          .handle((head, e) -> List.<BatchMessage>of());
    });
  }

  /** The last closed batch. */
  public CompletionStage<SequencerHead> head() {
    return AskPattern.ask(actor, BatchSequencer.GetHead::new, settings.rpcTimeout(), system.scheduler());
  }

  public long chainId() {
    return chainId;
  }

  /** The trusted sequencer's address: the signer of every batch. */
  public Address sequencerAddress() {
    return sequencerAddress;
  }

  public Address coinbase() {
    return coinbase;
  }

  /** The closed batches as the blocks of PROTOCOL.md §8. */
  public L2Chain chain() {
    return chain;
  }

  /**
   * POST JSON-RPC 2.0: eth_sendRawTransaction, eth_chainId, eth_getTransactionCount, eth_blockNumber,
   * eth_getTransactionReceipt, …
   */
  public Route rpcRoute() {
    return new JsonRpc(new SequencerRpc(new SequencerRpc.Backend() {
      @Override
      public L2Chain chain() {
        return chain;
      }

      @Override
      public DataSource dataSource() {
        return dataSource;
      }

      @Override
      public Executor blocking() {
        return blocking;
      }

      @Override
      public long chainId() {
        return chainId;
      }

      @Override
      public CompletionStage<Admission> submit(byte[] raw) {
        return AskPattern.<BatchSequencer.Command, Admission>ask(actor,
                r -> new BatchSequencer.SubmitTransaction(raw, r), settings.rpcTimeout(), system.scheduler())
            .thenApply(admission -> {
              SequencerMetrics.get(system).admission(admission);
              return admission;
            });
      }

      @Override
      public CompletionStage<Account> account(Address address, boolean pending) {
        return AskPattern.ask(actor, r -> new BatchSequencer.GetAccount(address, pending, r), settings.rpcTimeout(),
            system.scheduler());
      }

      @Override
      public CompletionStage<SequencerHead> head() {
        return Sequencer.this.head();
      }
    }), JsonRpc.Limits.DEFAULT).route();
  }

  /** Serves {@link #rpcRoute()} on zkchain.sequencer.rpc.interface and port (0 picks a free port). */
  public synchronized CompletionStage<ServerBinding> bindRpc() {
    if (binding == null) {
      binding = Http.get(system).newServerAt(settings.rpcInterface(), settings.rpcPort()).bind(rpcRoute());
      binding.thenAccept(b -> log.info("Sequencer JSON-RPC on http://{}:{}", b.localAddress().getHostString(),
          b.localAddress().getPort()));
    }
    return binding;
  }

  /**
   * Stops admitting, closing and sequencing. The open batch is closed first (its transactions are
   * persisted either way). A sequencing transaction in flight may still be mined: harmless, it is
   * recorded, and the next start settles it before it sends anything.
   */
  public CompletionStage<Done> stop() {
    stopped.complete(Done.getInstance());
    l1Clock.shutdown();
    l1Sequencing.ifPresent(UniqueKillSwitch::shutdown);
    CompletionStage<Done> unbound = binding == null ? CompletableFuture.completedFuture(Done.getInstance())
        : binding.thenCompose(ServerBinding::unbind).thenApply(x -> Done.getInstance());
    CompletionStage<Done> actorStopped = unbound.thenCompose(u -> AskPattern.<BatchSequencer.Command, Done>ask(actor,
        BatchSequencer.Stop::new, settings.rpcTimeout(), system.scheduler()));
    return actorStopped.whenComplete((d, e) -> l1.shutdown());
  }

  // ---- streams ----

  /** Tells the actor the latest L1 block's timestamp; an L1 that does not answer leaves the last one. */
  private static UniqueKillSwitch startL1Clock(ActorSystem<?> system, Web3j web3j,
      ActorRef<BatchSequencer.Command> actor, Executor blocking, Duration interval) {
    return Source.tick(interval, interval, Tick.TICK)
        .mapAsync(1, t -> CompletableFuture.supplyAsync(() -> latestL1Timestamp(web3j), blocking)
            .handle((ts, e) -> e == null ? Optional.of(ts) : Optional.<Long>empty()))
        .mapConcat(ts -> ts.map(List::of).orElse(List.of()))
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.foreach(ts -> actor.tell(new BatchSequencer.L1Time(ts))))
        .run(system);
  }

  /** Every interval, sequences closed batches until L1 has them all; any failure restarts it with backoff. */
  private static UniqueKillSwitch startL1Sequencing(ActorSystem<?> system, L1Sequencing l1Sequencing,
      Executor blocking, SequencerSettings settings, SequencerMetrics metrics) {
    // the failure is logged once, in one line, by sequenceUntilIdle; the restart itself is a detail
    RestartSettings restart = RestartSettings.create(settings.retryMinBackoff(), settings.retryMaxBackoff(), 0.2)
        .withLogSettings(RestartSettings.createLogSettings(akka.event.Logging.DebugLevel()));
    return RestartSource.withBackoff(restart, () -> Source.tick(Duration.ZERO, settings.l1Interval(), Tick.TICK)
            .mapAsync(1, t -> CompletableFuture.runAsync(() -> sequenceUntilIdle(l1Sequencing, settings, metrics), blocking)))
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.ignore())
        .run(system);
  }

  /**
   * Steps until L1 has every closed batch. A transaction in flight is looked at every poll
   * interval, so a drop is noticed within one; after an interval without progress the run ends
   * and the next tick goes on, so that a stop is not held up by a slow L1.
   */
  private static void sequenceUntilIdle(L1Sequencing l1Sequencing, SequencerSettings settings,
      SequencerMetrics metrics) {
    long deadline = System.nanoTime() + settings.l1Interval().toNanos();
    try {
      while (true) {
        L1Sequencing.Step step = l1Sequencing.step();
        if (step instanceof L1Sequencing.Idle) return;
        if (step instanceof L1Sequencing.Sequenced sequenced) {
          metrics.sequenced(sequenced.last() - sequenced.first() + 1);
          deadline = System.nanoTime() + settings.l1Interval().toNanos();
        } else if (System.nanoTime() > deadline) {
          return;
        } else {
          Thread.sleep(settings.l1PollInterval().toMillis());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("Sequencing on L1 failed, retrying with backoff: {}", e.getMessage());
      throw e;
    }
  }

  private static long latestL1Timestamp(Web3j web3j) {
    try {
      return web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock().getTimestamp()
          .longValueExact();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the latest L1 block: " + e.getMessage(), e);
    }
  }

  private enum Tick { TICK }
}
