package zkchain.node;

import akka.actor.typed.ActorSystem;
import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zkchain.batch.StageHeads;
import zkchain.derive.L1Status;
import zkchain.feed.FeedServer;
import zkchain.feed.FeedSource;
import zkchain.http.Readiness;
import zkchain.infra.L1Client;
import zkchain.runtime.RoleProcess;
import zkchain.runtime.Rollup;

/**
 * One running node: a zk-chain process (cluster member, batch entities, management HTTP) with the
 * stage heads projection, and, when L1 is configured, its two doors into the batch entities: the
 * L1 door (derivation: Virtual, Consolidated) and the feed door (Trusted), whose accepted batches
 * it serves on its own /feed.
 */
public final class ZkChainNode implements AutoCloseable {
  private final RoleProcess process;
  private final L1Door l1;

  private ZkChainNode(RoleProcess process, L1Door l1) {
    this.process = process;
    this.l1 = l1;
  }

  /** Starts a node on a resolved configuration (see {@link zkchain.runtime.Configuration#load}). */
  public static ZkChainNode start(Config config) {
    RoleProcess process = RoleProcess.boot(config);
    ActorSystem<Void> system = process.system();
    Config full = process.config();
    try {
      StageHeads.init(system);
      if (full.getString("zkchain.l1.url").isEmpty()) {
        // The feed needs the rollup (chain id, trusted sequencer, genesis): it comes with L1.
        if (!FeedSource.Settings.urls(full).isEmpty()) {
          throw new IllegalArgumentException("--feed needs --l1 URL and --rollup FILE: a feed batch is checked "
              + "against the rollup's trusted sequencer and chain id");
        }
        process.serve(RoleProcess.Serving.of(null, Map::of, () -> {}));
        return new ZkChainNode(process, null);
      }
      Rollup rollup = process.rollup(full.getInt("zkchain.execution.trie-cache-nodes"));
      TrustedChain trustedChain = new TrustedChain(system, full.getDuration("zkchain.batch.ask-timeout"),
          full.getInt("zkchain.feed.door.remembered-batches"));
      L1Door l1 = L1Door.start(system, rollup, L1Client.connect(full, "node"), trustedChain);
      FeedDoor feed = FeedDoor.start(system, rollup, l1.status(), trustedChain);
      process.serve(new RoleProcess.Serving(
          new FeedServer(system, feed.feedLog(), FeedServer.Settings.from(full)).route(),
          () -> {
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("l1", l1.status().section());
            sections.put("feed", feed.status());
            return sections;
          },
          () -> {
            String halted = l1.status().snapshot().halted();
            return List.of(new Readiness.Check("l1", halted == null,
                halted == null ? "syncing" : "the L1 sync halted: " + halted));
          },
          () -> {
            feed.close();
            l1.close();
          }));
      return new ZkChainNode(process, l1);
    } catch (RuntimeException e) {
      process.close();
      throw new IllegalStateException("the node did not start: " + e.getMessage(), e);
    }
  }

  public ActorSystem<Void> system() {
    return process.system();
  }

  /** How the node's L1 derivation is doing; empty without L1. */
  public java.util.Optional<L1Status.Snapshot> l1() {
    return java.util.Optional.ofNullable(l1).map(door -> door.status().snapshot());
  }

  public int httpPort() {
    return process.httpPort();
  }

  public String httpUrl() {
    return process.httpUrl();
  }

  /** Stops in order: no new requests, the feed and L1 doors, then the actor system. */
  @Override
  public void close() {
    process.close();
  }
}
