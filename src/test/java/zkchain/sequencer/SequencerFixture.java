package zkchain.sequencer;

import akka.actor.typed.ActorSystem;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.devnet.Anvil;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.infra.Database;
import zkchain.l1.Deployer;
import zkchain.l1.L1Deployment;
import zkchain.l1.L1Sender;
import zkchain.l1.ZkChainRollup;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.testing.L1Workload;

/** One sequencer under test: its own rollup on the shared anvil, its own H2 database. */
final class SequencerFixture implements AutoCloseable {
  static final Genesis GENESIS = Genesis.load(L1Workload.GENESIS_FILE);
  static final Credentials SEQUENCER_KEY = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));

  final ActorSystem<?> system;
  final Anvil anvil;
  final L1Deployment deployment;
  final HikariDataSource dataSource;
  final Web3j l1;
  final ZkChainRollup rollup;
  Sequencer sequencer;
  Web3j l2;

  SequencerFixture(ActorSystem<?> system, Anvil anvil) {
    this.system = system;
    this.anvil = anvil;
    this.l1 = Web3j.build(new HttpService(anvil.url()));
    String genesisRoot = GENESIS.write(new InMemoryNodeStore()).hex();
    this.deployment = Deployer.deploy(L1Sender.of(l1, Credentials.create(DevKeys.key(DevKeys.L1_ADMIN))),
        Deployer.Roles.dev(), GENESIS.chainId(), genesisRoot);
    this.rollup = ZkChainRollup.at(l1, deployment.rollup());
    String url = "jdbc:h2:mem:sequencer-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;DATABASE_TO_UPPER=false";
    Database.applySchema(ConfigFactory.parseMap(Map.of("zkchain.db.kind", "h2", "zkchain.db.url", url))
        .withFallback(ConfigFactory.load()));
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(url);
    hc.setUsername("sa");
    hc.setMaximumPoolSize(4);
    this.dataSource = new HikariDataSource(hc);
  }

  /** Settings for tests: a free JSON-RPC port, then the given overrides of conf/sequencer.conf. */
  static SequencerSettings settings(String overrides) {
    Config config = ConfigFactory.parseString("zkchain.sequencer.rpc.port = 0\n" + overrides)
        .withFallback(ConfigFactory.load());
    return SequencerSettings.from(config);
  }

  /** Starts (or starts again, on the same database) the sequencer and a web3j client of its JSON-RPC. */
  Sequencer start(SequencerSettings settings) throws Exception {
    sequencer = Sequencer.start(system, dataSource, deployment, GENESIS, SEQUENCER_KEY, anvil.url(), settings);
    int port = sequencer.bindRpc().toCompletableFuture().get(10, TimeUnit.SECONDS).localAddress().getPort();
    if (l2 != null) l2.shutdown();
    l2 = Web3j.build(new HttpService("http://127.0.0.1:" + port));
    return sequencer;
  }

  String rpcUrl() throws Exception {
    return "http://127.0.0.1:" + sequencer.bindRpc().toCompletableFuture().get().localAddress().getPort() + "/";
  }

  void stop() throws Exception {
    sequencer.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Every closed batch 1..head, from the database, via the feed's source. */
  List<BatchMessage> closed() throws Exception {
    long head = sequencer.head().toCompletableFuture().get(10, TimeUnit.SECONDS).number();
    return sequencer.closedFrom(1).take(head).runWith(akka.stream.javadsl.Sink.seq(), system)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  SequencerBatchStore store() {
    return new SequencerBatchStore(dataSource);
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
      Thread.sleep(50);
    }
  }

  long nonce(String address, String tag) {
    try {
      return l2.ethGetTransactionCount(address, org.web3j.protocol.core.DefaultBlockParameter.valueOf(tag)).send()
          .getTransactionCount().longValueExact();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws Exception {
    if (sequencer != null) stop();
    if (l2 != null) l2.shutdown();
    l1.shutdown();
    dataSource.close();
  }
}
