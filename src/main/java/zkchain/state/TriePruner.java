package zkchain.state;

import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.batch.JournalledBatch;
import zkchain.batch.StageHeads;
import zkchain.derive.L1Position;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.TrieNodes;
import zkchain.infra.Database;
import zkchain.derive.L1PositionStore;
import zkchain.protocol.Hash32;

/**
 * Removes trie nodes that only old roots reach, online: keeps the tries of the last
 * {@code keep-roots} Consolidated batches and of every batch after them, and of every batch an L1
 * reorg within the reorg window could still need, and deletes every other node written before the
 * run began. Mark (walk the kept roots) and sweep (delete the rest) run on the blocking
 * dispatcher, never in the way of the ingest or HTTP.
 *
 * <p>Why a reorg never needs a pruned root: an L1 reorg undoes only transitions of blocks within
 * the reorg window, so no batch at or below the Virtual head at the window's oldest block goes
 * back, and re-execution after it starts from one of those roots or above; a trusted reorg
 * replaces only batches above the Virtual head. The floor is below both.
 *
 * <p>Several members may run it at once: each deletion is justified alone (unreachable from the
 * kept roots it read, and not written since its run began, by the database's clock).
 */
public final class TriePruner {
  private static final Logger log = LoggerFactory.getLogger(TriePruner.class);
  private static final int DELETE_BATCH = 1_000;

  /**
   * @param writeSlack how long before a run began a node must have been written to be deleted: covers
   *     a batch whose nodes are written but whose event is not in the journal yet
   */
  public record Settings(int keepRoots, Duration interval, int margin, Duration writeSlack) {
    public static Settings from(Config config) {
      Config s = config.getConfig("zkchain.state");
      return new Settings(s.getInt("keep-roots"), s.getDuration("prune-interval"), s.getInt("prune-margin"),
          s.getDuration("prune-write-slack"));
    }

    public boolean enabled() {
      return keepRoots > 0;
    }
  }

  /** One run: the lowest batch whose root was kept, the roots and nodes kept, the nodes deleted. */
  public record Run(long floor, int keptRoots, long keptNodes, long deleted, long millis) {}

  private final ActorSystem<?> system;
  private final Settings settings;
  private final DataSource ds;
  private final Database.Kind kind;
  private final JdbcNodeStore store;
  private final Replay.Journal journal;
  private final String rollup;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong deletedTotal = new AtomicLong();
  private final AtomicReference<Run> last = new AtomicReference<>();
  private final AtomicLong lastFloor = new AtomicLong();
  private Cancellable schedule;

  public TriePruner(ActorSystem<?> system, Settings settings, String rollup) {
    this.system = system;
    this.settings = settings;
    this.ds = Database.get(system).dataSource();
    this.kind = Database.get(system).kind();
    this.store = new JdbcNodeStore(ds);
    this.journal = new Replay.Journal(system);
    this.rollup = rollup;
  }

  /** Runs every prune-interval in the background, until the actor system stops. */
  public TriePruner start() {
    var blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    schedule = system.scheduler().scheduleWithFixedDelay(settings.interval(), settings.interval(), () -> {
      try {
        runOnce();
      } catch (RuntimeException e) {
        log.warn("trie pruning failed, tried again in {}: {}", settings.interval(), e.getMessage());
      }
    }, blocking);
    akka.actor.CoordinatedShutdown.get(system.classicSystem()).addTask(
        akka.actor.CoordinatedShutdown.PhaseBeforeServiceUnbind(), "stop-trie-pruner", () -> {
          schedule.cancel();
          return java.util.concurrent.CompletableFuture.completedFuture(akka.Done.getInstance());
        });
    return this;
  }

  public long runs() {
    return runs.get();
  }

  public long deleted() {
    return deletedTotal.get();
  }

  public Optional<Run> lastRun() {
    return Optional.ofNullable(last.get());
  }

  /** The lowest batch whose root is kept: see the class comment. */
  public static long floor(long consolidated, long virtualAtWindowStart, int keepRoots, int margin) {
    long byConsolidated = consolidated - keepRoots + 1;
    return Math.max(0, Math.min(byConsolidated, virtualAtWindowStart) - margin);
  }

  /** One mark and sweep; empty when another run of this pruner is under way. */
  public Optional<Run> runOnce() {
    return runOnce(settings.writeSlack());
  }

  /** As {@link #runOnce()}, deleting nodes written up to {@code writeSlack} before it began. */
  public Optional<Run> runOnce(Duration writeSlack) {
    if (!running.compareAndSet(false, true)) return Optional.empty();
    try {
      long start = System.nanoTime();
      // nodes written from here on are kept, reachable or not: a batch being executed now, or whose
      // event is not in the journal yet, keeps every node it wrote or reused
      long before = store.now() - writeSlack.toMillis();
      StageHeads.Heads heads = StageHeads.read(ds);
      Optional<L1Position> position = new L1PositionStore(ds, kind).load(rollup);
      long virtualAtWindowStart = position.map(p -> p.checkpoints().firstEntry().getValue().lastVirtual()).orElse(0L);
      // The floor never goes down: an L1 reorg that takes the Consolidated head back needs no root
      // below it (the batches keep their roots as strings; only execution opens a trie, and it starts
      // at or above the Virtual head the window can fall back to).
      long floor = Math.max(lastFloor.get(),
          floor(heads.consolidated(), virtualAtWindowStart, settings.keepRoots(), settings.margin()));
      List<Hash32> roots = keptRoots(floor);
      Set<Hash32> reachable = new HashSet<>();
      for (Hash32 root : roots) {
        // a root already pruned by an earlier run (of a process that started again, with its floor lower)
        if (!root.equals(zkchain.execution.MerklePatriciaTrie.EMPTY_ROOT) && store.get(root).isEmpty()) continue;
        TrieNodes.walk(store, root, reachable, (h, n) -> {});
      }
      lastFloor.set(floor);
      List<Hash32> unreachable = new ArrayList<>();
      store.forEachHash(h -> {
        if (!reachable.contains(h)) unreachable.add(h);
      });
      long deleted = 0;
      for (int i = 0; i < unreachable.size(); i += DELETE_BATCH) {
        deleted += store.deleteUntouchedSince(unreachable.subList(i, Math.min(unreachable.size(), i + DELETE_BATCH)), before);
      }
      Run run = new Run(floor, roots.size(), reachable.size(), deleted, (System.nanoTime() - start) / 1_000_000);
      last.set(run);
      runs.incrementAndGet();
      deletedTotal.addAndGet(deleted);
      log.info("trie pruning: kept the roots of batches {} and up ({} roots, {} nodes), deleted {} nodes in {} ms",
          floor, roots.size(), reachable.size(), deleted, run.millis());
      return Optional.of(run);
    } finally {
      running.set(false);
    }
  }

  /**
   * The roots of every batch from the floor up to the last one in the journal (the genesis root
   * for batch 0). The journal, not the stage heads: the heads projection lags it.
   */
  public List<Hash32> keptRoots(long floor) {
    List<Hash32> roots = new ArrayList<>();
    if (floor == 0) roots.add(genesisRoot());
    for (long n = Math.max(1, floor); ; n++) {
      JournalledBatch b = journal.batch(n);
      if (b.events().isEmpty()) break;
      if (b.hasData()) roots.add(b.stateRoot());
    }
    return roots;
  }

  private Hash32 genesisRoot() {
    var genesis = zkchain.execution.Genesis.load(java.nio.file.Path.of(system.settings().config()
        .getString("zkchain.genesis-file")));
    return genesis.write(new zkchain.execution.InMemoryNodeStore());
  }
}
