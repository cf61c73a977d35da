package zkchain.runtime;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import zkchain.batch.LiveHeads;
import zkchain.infra.Database;

/** What every role does first: point Akka at the database, apply the schema, start a cluster member. */
public final class Boot {
  private Boot() {}

  /** A started actor system named zkchain on a resolved configuration (see {@link Configuration#load}). */
  public static ActorSystem<Void> system(Config config) {
    Config full = Database.akkaConfig(config).withFallback(config);
    Database.applySchema(full);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "zkchain", full);
    joinSelfWithoutSeeds(system);
    LiveHeads.get(system); // starts reading the heads, so /status and /ready have them from the start
    return system;
  }

  /** A lone process forms its own cluster, or sharding never starts; seed nodes form a larger one. */
  private static void joinSelfWithoutSeeds(ActorSystem<?> system) {
    if (system.settings().config().getStringList("akka.cluster.seed-nodes").isEmpty()) {
      Cluster cluster = Cluster.get(system);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }
}
