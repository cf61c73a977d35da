package zkchain.runtime;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.server.Route;
import com.typesafe.config.Config;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.batch.BatchEntity;
import zkchain.http.ManagementRoutes;
import zkchain.http.Readiness;
import zkchain.infra.Database;

/**
 * One zk-chain process, whatever its role: a cluster member (Boot) with the batch entities
 * registered, the management HTTP API bound once on {@code zkchain.http}, and an ordered stop:
 * no new requests, then the role's own parts, then the actor system.
 */
public final class RoleProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RoleProcess.class);

  /** What the role adds to the management API. */
  public record Serving(Route extraRoutes, Supplier<Map<String, Object>> statusSections,
                        Supplier<List<Readiness.Check>> readinessChecks, Runnable stopRole) {
    public static Serving of(Route extraRoutes, Supplier<Map<String, Object>> statusSections, Runnable stopRole) {
      return new Serving(extraRoutes, statusSections, List::of, stopRole);
    }
  }

  private final ActorSystem<Void> system;
  private ServerBinding binding;
  private Runnable stopRole = () -> {};

  private RoleProcess(ActorSystem<Void> system) {
    this.system = system;
  }

  /** A started process on a resolved configuration (see {@link Configuration#load}). */
  public static RoleProcess boot(Config config) {
    ActorSystem<Void> system = Boot.system(config);
    BatchEntity.init(system); // the management routes may ask for batches, on any role
    return new RoleProcess(system);
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public Config config() {
    return system.settings().config();
  }

  public String role() {
    return config().getString("zkchain.role");
  }

  public DataSource dataSource() {
    return Database.get(system).dataSource();
  }

  /** The rollup of {@code zkchain.l1.rollup-file}, its genesis checked and written into this process's store. */
  public Rollup rollup(int trieCacheNodes) {
    if (config().getString("zkchain.l1.url").isEmpty() || config().getString("zkchain.l1.rollup-file").isEmpty()) {
      throw new IllegalArgumentException("the " + role() + " needs --l1 URL and --rollup FILE");
    }
    return Rollup.open(config(), dataSource(), trieCacheNodes);
  }

  /** Serves the management API and the role's additions on zkchain.http; logs the URL once bound. */
  public RoleProcess serve(Serving serving) {
    this.stopRole = serving.stopRole();
    Config http = config().getConfig("zkchain.http");
    try {
      binding = Http.get(system).newServerAt(http.getString("interface"), http.getInt("port"))
          .bind(new ManagementRoutes(system, serving.extraRoutes(), serving.statusSections(),
              serving.readinessChecks()).routes())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      close();
      throw new IllegalStateException("cannot bind the management HTTP port " + http.getInt("port") + ": " + e, e);
    }
    log.info("zk-chain {} up: management HTTP on http://{}:{}, database {}", role(), http.getString("interface"),
        httpPort(), Database.get(system).kind());
    return this;
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  public String httpUrl() {
    return "http://" + binding.localAddress().getHostString() + ":" + httpPort();
  }

  /** Unbinds (no new requests), stops the role's parts, then the actor system; waits for each. */
  @Override
  public void close() {
    try {
      if (binding != null) binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      stopRole.run();
    } catch (Exception e) {
      log.warn("{} did not stop cleanly: {}", role(), e.toString());
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("{} did not stop within 30 s: {}", role(), e.toString());
      }
    }
  }
}
