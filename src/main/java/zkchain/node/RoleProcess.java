package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.server.Route;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.batch.BatchEntity;
import zkchain.execution.Genesis;
import zkchain.http.ManagementRoutes;
import zkchain.l1.L1Deployment;

/**
 * A sequencer or aggregator process: a cluster member like a node, with the same management API
 * (its /status carries the role's own section) and the rollup it works for.
 */
public final class RoleProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RoleProcess.class);

  private final ActorSystem<Void> system;
  private ServerBinding binding;
  private Runnable onClose = () -> {};

  private RoleProcess(ActorSystem<Void> system) {
    this.system = system;
  }

  public static RoleProcess boot(Config config) {
    ActorSystem<Void> system = Boot.system(config);
    BatchEntity.init(system); // the management routes may ask for batches; they are unknown here
    return new RoleProcess(system);
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public Config config() {
    return system.settings().config();
  }

  public javax.sql.DataSource dataSource() {
    return Database.get(system).dataSource();
  }

  public L1Deployment deployment() {
    String file = config().getString("zkchain.l1.rollup-file");
    if (file.isEmpty() || config().getString("zkchain.l1.url").isEmpty()) {
      throw new IllegalArgumentException("the " + config().getString("zkchain.role")
          + " needs --l1 URL and --rollup FILE");
    }
    try {
      return L1Deployment.read(Path.of(file));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read the deployment file " + file + ": " + e.getMessage(), e);
    }
  }

  public Genesis genesis() {
    return Genesis.load(Path.of(config().getString("zkchain.genesis-file")));
  }

  /** Serves the management API, plus {@code extra} routes and a /status section, on zkchain.http. */
  public RoleProcess serve(Route extra, Supplier<Map<String, Object>> status, Runnable onClose) {
    this.onClose = onClose;
    Config http = config().getConfig("zkchain.http");
    try {
      binding = Http.get(system).newServerAt(http.getString("interface"), http.getInt("port"))
          .bind(new ManagementRoutes(system, extra, status).routes())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      close();
      throw new IllegalStateException("cannot bind the management HTTP port " + http.getInt("port") + ": " + e, e);
    }
    log.info("zk-chain {} up: management HTTP on http://{}:{}", config().getString("zkchain.role"),
        http.getString("interface"), httpPort());
    return this;
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  @Override
  public void close() {
    try {
      // no new requests while the role stops
      if (binding != null) binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      onClose.run();
    } catch (Exception e) {
      log.warn("{} did not stop cleanly: {}", config().getString("zkchain.role"), e.toString());
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("{} did not stop within 30 s: {}", config().getString("zkchain.role"), e.toString());
      }
    }
  }
}
