package zkchain.runtime;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Path;
import javax.sql.DataSource;
import zkchain.execution.CachingNodeStore;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.NodeStore;
import zkchain.l1.L1Deployment;
import zkchain.protocol.Hash32;

/**
 * The rollup a role works for: its deployment on L1, and its genesis written into the role's node
 * store and checked against that deployment (chain id and state root), so that a node, the
 * sequencer and the aggregator refuse the same mismatch with the same words.
 */
public record Rollup(L1Deployment deployment, Genesis genesis, Hash32 genesisRoot, NodeStore store) {

  /** {@code zkchain.l1.rollup-file} and {@code zkchain.genesis-file}, on the node store in {@code dataSource}. */
  public static Rollup open(Config config, DataSource dataSource, int trieCacheNodes) {
    String file = config.getString("zkchain.l1.rollup-file");
    if (file.isEmpty()) throw new IllegalArgumentException("the rollup's deployment file is not set (--rollup FILE)");
    L1Deployment deployment;
    try {
      deployment = L1Deployment.read(Path.of(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the deployment file " + file + ": " + e.getMessage(), e);
    }
    Genesis genesis = Genesis.load(Path.of(config.getString("zkchain.genesis-file")));
    return open(deployment, genesis, new CachingNodeStore(new JdbcNodeStore(dataSource), trieCacheNodes));
  }

  /** Writes the genesis into {@code store}; refuses a genesis that is not the deployment's. */
  public static Rollup open(L1Deployment deployment, Genesis genesis, NodeStore store) {
    Hash32 root = genesis.write(store);
    if (genesis.chainId() != deployment.l2ChainId() || !root.equals(Hash32.of(deployment.genesisRoot()))) {
      throw new IllegalArgumentException("the genesis (chain " + genesis.chainId() + ", state root " + root.hex()
          + ") is not the one rollup " + deployment.rollup() + " was deployed with (chain " + deployment.l2ChainId()
          + ", state root " + deployment.genesisRoot() + ")");
    }
    return new Rollup(deployment, genesis, root, store);
  }

  public long chainId() {
    return genesis.chainId();
  }

  /** The state transition on this rollup's chain and node store. */
  public Executor executor() {
    return new Executor(store, genesis.chainConfig());
  }

  /** The same, telling {@code observer} of every batch it executes (the process's metrics). */
  public Executor executor(Executor.Observer observer) {
    return new Executor(store, genesis.chainConfig(), observer);
  }
}
