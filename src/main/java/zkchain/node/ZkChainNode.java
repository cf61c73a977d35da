package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import com.typesafe.config.Config;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import zkchain.batch.StageHeads;
import zkchain.derive.L1Status;
import zkchain.feed.FeedServer;
import zkchain.feed.FeedSource;
import zkchain.feed.JdbcFeedLog;
import zkchain.infra.Database;
import zkchain.runtime.RoleProcess;
import zkchain.runtime.Rollup;

/**
 * One running node, a member of its cluster (a cluster of one unless given seed nodes or Cluster
 * Bootstrap): batch entities (sharded over the members), the stage heads projection (one instance
 * per tag slice in the cluster) and the management HTTP API; when L1 is configured, its
 * {@link Ingest}, the L1 door and the feed door on one member of the cluster, and the node's
 * /feed, served by every member from the feed log the ingest writes.
 */
public final class ZkChainNode implements AutoCloseable {
  private final RoleProcess process;
  private final AtomicReference<L1Status> ingestHere;
  private Database.LiveLock live = () -> {};
  private zkchain.state.TriePruner pruner;
  private final NodeJsonRpc rpc;

  private ZkChainNode(RoleProcess process, AtomicReference<L1Status> ingestHere, NodeJsonRpc rpc) {
    this.process = process;
    this.ingestHere = ingestHere;
    this.rpc = rpc;
  }

  /** Starts a node on a resolved configuration (see {@link zkchain.runtime.Configuration#load}). */
  public static ZkChainNode start(Config config) {
    RoleProcess process = null;
    Database.LiveLock live = null;
    // members starting together on one PostgreSQL database create their tables one at a time
    try (Database.SchemaLock schema = Database.schemaLock(config)) {
      // held while the node runs, so that replay and snapshot refuse to run under it
      live = Database.liveLock(config, false);
      process = RoleProcess.boot(config);
      ZkChainNode node = start(process);
      node.live = live;
      return node;
    } catch (RuntimeException e) {
      if (process != null) process.close();
      if (live != null) live.close();
      throw new IllegalStateException("the node did not start: " + e.getMessage(), e);
    }
  }

  private static ZkChainNode start(RoleProcess process) {
    ActorSystem<Void> system = process.system();
    Config full = process.config();
    StageHeads.init(system);
    NodeMetrics.get(system); // the node's metrics on /metrics, read from what it keeps
    AtomicReference<L1Status> ingestHere = new AtomicReference<>();
    if (full.getString("zkchain.l1.url").isEmpty()) {
      // The feed needs the rollup (chain id, trusted sequencer, genesis): it comes with L1.
      if (!FeedSource.Settings.urls(full).isEmpty()) {
        throw new IllegalArgumentException("--feed needs --l1 URL and --rollup FILE: a feed batch is checked "
            + "against the rollup's trusted sequencer and chain id");
      }
      process.serve(RoleProcess.Serving.of(null, Map::of, () -> {}));
      return new ZkChainNode(process, ingestHere, null);
    }
    Rollup rollup = process.rollup(full.getInt("zkchain.execution.trie-cache-nodes"));
    JdbcFeedLog feedLog = new JdbcFeedLog(process.dataSource(),
        system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher")), full,
        new JournalTransactions(system));
    IngestView ingest = new IngestView(system, Ingest.init(system, rollup, feedLog, ingestHere), ingestHere);
    var pruning = zkchain.state.TriePruner.Settings.from(full);
    zkchain.state.TriePruner pruner = pruning.enabled()
        ? new zkchain.state.TriePruner(system, pruning, rollup.deployment().rollup()).start() : null;
    NodeJsonRpc rpc = NodeJsonRpc.startIfEnabled(system, rollup, process.dataSource(), ingest::lastL1);
    // The ingest stops with the actor system: coordinated shutdown hands it over, or stops it.
    process.serve(new RoleProcess.Serving(new FeedServer(system, feedLog, FeedServer.Settings.from(full)).route(),
        ingest::sections, ingest::checks, () -> {
          if (rpc != null) rpc.close();
        }));
    ZkChainNode node = new ZkChainNode(process, ingestHere, rpc);
    node.pruner = pruner;
    return node;
  }

  public ActorSystem<Void> system() {
    return process.system();
  }

  /** How the L1 derivation is doing while the ingest runs on this member; empty otherwise (or without L1). */
  public Optional<L1Status.Snapshot> l1() {
    return Optional.ofNullable(ingestHere.get()).map(L1Status::snapshot);
  }

  /** The trie pruner, when zkchain.state.keep-roots is set. */
  public Optional<zkchain.state.TriePruner> pruner() {
    return Optional.ofNullable(pruner);
  }

  /** The JSON-RPC URL (http://host:port; ws:// on the same port), when zkchain.rpc is enabled. */
  public Optional<String> rpcUrl() {
    return Optional.ofNullable(rpc).map(NodeJsonRpc::url);
  }

  public int httpPort() {
    return process.httpPort();
  }

  public String httpUrl() {
    return process.httpUrl();
  }

  /** Stops in order: no new requests, then the actor system, which hands the ingest over or stops it. */
  @Override
  public void close() {
    try {
      process.close();
    } finally {
      live.close();
    }
  }
}
