package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.batch.BatchEntity;
import java.util.Map;
import zkchain.feed.FeedServer;
import zkchain.feed.FeedSource;
import zkchain.http.ManagementRoutes;

/**
 * One running node: its actor system (a cluster member), the sharded batch entities, the stage
 * heads projection and the management HTTP API. The ingest streams of the feed and of L1 deliver
 * their commands to the batch entities of this system.
 */
public final class ZkChainNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZkChainNode.class);

  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final L1Sync l1;
  private final FeedSync feed;

  private ZkChainNode(ActorSystem<Void> system, ServerBinding binding, L1Sync l1, FeedSync feed) {
    this.system = system;
    this.binding = binding;
    this.l1 = l1;
    this.feed = feed;
  }

  /** Starts a node on a resolved configuration (see {@link zkchain.Main#loadConfig}). */
  public static ZkChainNode start(Config config) {
    ActorSystem<Void> system = Boot.system(config);
    Config full = system.settings().config();
    try {
      BatchEntity.init(system);
      StageHeads.init(system);
      // The feed needs the rollup (chain id, trusted sequencer, genesis): it comes with L1.
      if (!FeedSource.Settings.urls(full).isEmpty() && full.getString("zkchain.l1.url").isEmpty()) {
        throw new IllegalArgumentException("--feed needs --l1 URL and --rollup FILE: a feed batch is checked "
            + "against the rollup's trusted sequencer and chain id");
      }
      L1Sync l1 = L1Sync.startIfConfigured(system);
      FeedSync feed = l1 == null ? null : FeedSync.start(system, l1.chain());
      ManagementRoutes routes = feed == null
          ? new ManagementRoutes(system)
          : new ManagementRoutes(system,
              new FeedServer(system, feed.feedLog(), FeedServer.Settings.from(full)).route(),
              () -> Map.of("feed", feed.status()));
      Config http = full.getConfig("zkchain.http");
      ServerBinding binding = Http.get(system)
          .newServerAt(http.getString("interface"), http.getInt("port"))
          .bind(routes.routes())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      log.info("zk-chain {} up: management HTTP on http://{}:{}{}, database {}", full.getString("zkchain.role"),
          http.getString("interface"), binding.localAddress().getPort(), feed == null ? "" : " (feed on /feed)",
          Database.get(system).kind());
      return new ZkChainNode(system, binding, l1, feed);
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("the node did not start: " + e.getMessage(), e);
    }
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  public String httpUrl() {
    return "http://" + binding.localAddress().getHostString() + ":" + httpPort();
  }

  /** Stops the system (coordinated shutdown) and waits for it. */
  @Override
  public void close() {
    if (feed != null) feed.close();
    if (l1 != null) l1.close();
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("the node did not stop within 30 s: {}", e.toString());
    }
  }
}
