package zkchain.runtime;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import com.typesafe.config.Config;
import java.util.List;
import zkchain.batch.LiveHeads;
import zkchain.infra.Database;

/** What every role does first: point Akka at the database, apply the schema, start a cluster member. */
public final class Boot {
  private Boot() {}

  /** A started actor system named zkchain on a resolved configuration (see {@link Configuration#load}). */
  public static ActorSystem<Void> system(Config config) {
    checkMembership(config);
    Config full = Database.akkaConfig(config).withFallback(config);
    Database.applySchema(full);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), Configuration.SYSTEM_NAME, full);
    join(system);
    LiveHeads.get(system); // starts reading the heads, so /status and /ready have them from the start
    return system;
  }

  /**
   * Refuses settings under which this process cannot be a member of a larger cluster, before
   * anything starts: every member shares one database, which an embedded H2 file cannot be.
   */
  static void checkMembership(Config config) {
    List<String> seeds = config.getStringList("akka.cluster.seed-nodes");
    boolean bootstrap = config.getBoolean("zkchain.cluster.bootstrap");
    String joining = !seeds.isEmpty() ? "seed nodes " + seeds : bootstrap ? "Cluster Bootstrap" : null;
    if (joining != null && Database.Settings.from(config).kind() == Database.Kind.H2) {
      throw new IllegalArgumentException("this process is given " + joining + " but its database is the embedded "
          + "H2 file under " + config.getString("zkchain.data-dir") + ": an embedded file database cannot be "
          + "shared between processes, and every member of a cluster uses the same database. Give every member "
          + "the same PostgreSQL database (ZKCHAIN_DB=postgres, ZKCHAIN_DB_URL=jdbc:postgresql://...), or start "
          + "without seed nodes for a cluster of one");
    }
    if (!seeds.isEmpty() && bootstrap) {
      throw new IllegalArgumentException("seed nodes " + seeds + " and Cluster Bootstrap "
          + "(zkchain.cluster.bootstrap) are two ways of joining: give one of them");
    }
    String appVersionFrom = config.getString("zkchain.cluster.app-version-from");
    if (appVersionFrom.equals("kubernetes")) {
      if (!bootstrap) {
        throw new IllegalArgumentException("zkchain.cluster.app-version-from = kubernetes needs Cluster Bootstrap "
            + "(zkchain.cluster.bootstrap = on): the version is read before joining, and seed nodes join at start");
      }
      KubernetesRevision.Settings.from(config); // says what is missing now, not after the system started
    } else if (!appVersionFrom.isEmpty()) {
      throw new IllegalArgumentException("zkchain.cluster.app-version-from must be empty (akka.cluster.app-version "
          + "as configured) or kubernetes, not '" + appVersionFrom + "'");
    }
  }

  /**
   * Cluster Bootstrap finds the other members through discovery; with seed nodes Akka joins them
   * by itself; a lone process forms its own cluster, or sharding never starts.
   */
  private static void join(ActorSystem<?> system) {
    Config config = system.settings().config();
    Cluster cluster = Cluster.get(system);
    if (config.getBoolean("zkchain.cluster.bootstrap")) {
      if (config.getString("zkchain.cluster.app-version-from").equals("kubernetes")) {
        akka.cluster.Cluster.get(system.classicSystem()).setAppVersionLater(KubernetesRevision.read(
            KubernetesRevision.Settings.from(config), cluster.selfMember().appVersion(),
            system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"))));
      }
      ClusterBootstrap.get(system).start();
    } else if (config.getStringList("akka.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }
}
