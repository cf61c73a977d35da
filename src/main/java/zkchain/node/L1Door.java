package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import com.typesafe.config.Config;
import java.util.concurrent.Executor;
import org.web3j.protocol.Web3j;
import zkchain.derive.BatchExecution;
import zkchain.derive.DerivationStream;
import zkchain.derive.L1Position;
import zkchain.derive.L1PositionStore;
import zkchain.derive.L1Status;
import zkchain.derive.L1Step;
import zkchain.infra.Blocking;
import zkchain.infra.Database;
import zkchain.l1.ZkChainRollup;
import zkchain.runtime.Rollup;

/**
 * The node's L1 door: L1 derivation ({@link DerivationStream}) delivered to the batch entities
 * ({@link BatchDelivery}: Virtual, Consolidated, undone), the position saved after every step
 * ({@link L1PositionStore}), so a restart resumes where the last delivered step left off.
 */
final class L1Door implements AutoCloseable {
  private final Web3j web3j;
  private final UniqueKillSwitch ingest;
  private final L1Status status;

  private L1Door(Web3j web3j, UniqueKillSwitch ingest, L1Status status) {
    this.web3j = web3j;
    this.ingest = ingest;
    this.status = status;
  }

  /** Starts following the rollup on {@code web3j}, which the door owns from now on. */
  static L1Door start(ActorSystem<?> system, Rollup rollup, Web3j web3j, TrustedChain trustedChain) {
    Config config = system.settings().config();
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    Database db = Database.get(system);
    L1PositionStore positions = new L1PositionStore(db.dataSource(), db.kind());
    L1Status status = new L1Status();
    status.observeReorgs(zkchain.infra.Metrics.get(system)::l1Reorg);
    BatchDelivery delivery = new BatchDelivery(system, config.getInt("zkchain.l1.delivery-parallelism"),
        config.getDuration("zkchain.batch.ask-timeout"), status, trustedChain);
    String address = rollup.deployment().rollup();
    status.started(address, rollup.deployment().deployBlock(), rollup.deployment().trustedSequencer());
    DerivationStream.Consumer<BatchExecution.Planned> consumer = new DerivationStream.Consumer<>(
        () -> positions.load(address).orElseGet(() -> L1Position.atDeployment(rollup.deployment())),
        planned -> delivery.deliver(planned).thenCompose(delivered -> Blocking.call(blocking, () -> {
          if (!(delivered.step() instanceof L1Step.Idle)) positions.save(address, L1Position.after(delivered));
          return delivered;
        })),
        Flow.create(),
        failure -> {},
        true);
    UniqueKillSwitch ingest = DerivationStream.source(system, blocking,
            DerivationStream.Settings.from(config.getConfig("zkchain.l1")),
            new DerivationStream.L1(web3j, ZkChainRollup.at(web3j, address), rollup.executor(zkchain.infra.Metrics.get(system).execution()), trustedChain), status, consumer)
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.ignore())
        .run(system);
    return new L1Door(web3j, ingest, status);
  }

  L1Status status() {
    return status;
  }

  @Override
  public void close() {
    ingest.shutdown();
    web3j.shutdown();
  }
}
