package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.stream.UniqueKillSwitch;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import zkchain.execution.CachingNodeStore;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.NodeStore;
import zkchain.l1.L1Deployment;
import zkchain.protocol.Hash32;

/** The node's L1 side when zkchain.l1.url is set: the deployment, the genesis state, the ingest stream. */
final class L1Sync implements AutoCloseable {
  /** The rollup this node follows: its deployment, genesis root and the executor on the node's store. */
  record Chain(L1Deployment deployment, Hash32 genesisRoot, Executor executor) {}

  private final Web3j web3j;
  private final UniqueKillSwitch ingest;
  private final Chain chain;

  private L1Sync(Web3j web3j, UniqueKillSwitch ingest, Chain chain) {
    this.web3j = web3j;
    this.ingest = ingest;
    this.chain = chain;
  }

  Chain chain() {
    return chain;
  }

  /** null when no L1 is configured: the node then serves what its journal holds. */
  static L1Sync startIfConfigured(ActorSystem<?> system) throws IOException {
    Config config = system.settings().config();
    Config l1 = config.getConfig("zkchain.l1");
    if (l1.getString("url").isEmpty()) return null;
    if (l1.getString("rollup-file").isEmpty()) {
      throw new IllegalArgumentException("an L1 URL needs the rollup's deployment file (--rollup FILE)");
    }
    L1Deployment deployment = L1Deployment.read(Path.of(l1.getString("rollup-file")));
    Genesis genesis = Genesis.load(Path.of(config.getString("zkchain.genesis-file")));
    NodeStore store = new CachingNodeStore(new JdbcNodeStore(Database.get(system).dataSource()),
        config.getInt("zkchain.execution.trie-cache-nodes"));
    Hash32 genesisRoot = genesis.write(store);
    if (genesis.chainId() != deployment.l2ChainId() || !genesisRoot.hex().equalsIgnoreCase(deployment.genesisRoot())) {
      throw new IllegalArgumentException("genesis " + config.getString("zkchain.genesis-file") + " (chain "
          + genesis.chainId() + ", root " + genesisRoot.hex() + ") is not the rollup's (chain "
          + deployment.l2ChainId() + ", root " + deployment.genesisRoot() + ")");
    }
    long timeout = l1.getDuration("request-timeout").toMillis();
    OkHttpClient http = new OkHttpClient.Builder()
        .connectTimeout(timeout, TimeUnit.MILLISECONDS)
        .readTimeout(timeout, TimeUnit.MILLISECONDS)
        .build();
    Web3j web3j = Web3j.build(new HttpService(l1.getString("url"), http));
    L1Status.get(system).started(deployment.rollup(), deployment.deployBlock(), deployment.trustedSequencer());
    Executor executor = new Executor(store, genesis.chainConfig());
    UniqueKillSwitch ingest = L1Ingest.start(system, web3j, deployment, executor);
    return new L1Sync(web3j, ingest, new Chain(deployment, genesisRoot, executor));
  }

  @Override
  public void close() {
    ingest.shutdown();
    web3j.shutdown();
  }
}
