package zkchain.state;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.jdbc.query.javadsl.JdbcReadJournal;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.PersistenceQuery;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.SinkQueueWithCancel;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import zkchain.batch.BatchEntity;
import zkchain.batch.JournalledBatch;
import zkchain.batch.StageHeads;
import zkchain.batch.TransactionIndexProjection;
import zkchain.execution.CachingNodeStore;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.NodeStore;
import zkchain.execution.ScratchNodeStore;
import zkchain.infra.Database;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Hash32;
import zkchain.runtime.Configuration;

/**
 * {@code zkchain replay}: reads every batch's events back from the journal (Akka Persistence
 * Query, batch by batch in batch order), re-executes each batch's current data on its parent's
 * root and checks the roots ({@link BatchReplay}); optionally writes the recomputed trie into a
 * fresh node store, or runs the read side again from the journal. On a stopped node's database
 * only: it takes the database's live lock, which a running node holds.
 */
public final class Replay {
  /** Exit codes: everything checked; a divergence (or a failed rebuild); a node is running on the database. */
  public static final int OK = 0;
  public static final int DIVERGED = 1;
  public static final int IN_USE = 3;

  /**
   * @param to the last batch, or 0 for the journal's last
   * @param verify re-execute and check every batch (the default)
   * @param rebuildState write the recomputed trie into a fresh node store (implies re-executing)
   * @param rebuildProjections drop the read side and run its projections again from the journal
   */
  public record Options(long from, long to, boolean verify, boolean rebuildState, boolean rebuildProjections) {
    public Options {
      if (from < 1) throw new IllegalArgumentException("--from must be ≥ 1, not " + from);
      if (to != 0 && to < from) throw new IllegalArgumentException("--to " + to + " is below --from " + from);
      if (rebuildState && from != 1) {
        throw new IllegalArgumentException("--rebuild-state starts from the genesis: it clears the node store, so "
            + "--from must be 1, not " + from);
      }
    }

    public static Options verifyAll() {
      return new Options(1, 0, true, false, false);
    }

    boolean executes() {
      return verify || rebuildState;
    }
  }

  private Replay() {}

  /** Runs a replay on the database of {@code config}; returns the exit code. */
  public static int run(Config config, Options options, PrintStream out, PrintStream err, boolean tty) {
    try (Database.LiveLock lock = Database.liveLock(config, true)) {
      ActorSystem<Void> system = offlineSystem(config);
      try {
        return new Run(system, options, out, err, tty).run();
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().join();
      }
    } catch (Database.DatabaseInUse e) {
      err.println("zkchain replay: refused: " + e.getMessage());
      return IN_USE;
    }
  }

  /** An actor system for offline commands: the node's persistence settings, no cluster, no HTTP. */
  static ActorSystem<Void> offlineSystem(Config config) {
    Config full = Database.akkaConfig(config)
        .withFallback(ConfigFactory.parseMap(Map.of("akka.actor.provider", "local",
            "akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off")))
        .withFallback(config);
    Database.applySchema(full);
    return ActorSystem.create(Behaviors.empty(), Configuration.SYSTEM_NAME, full);
  }

  /** The journal's batches as the read journal gives them. */
  static final class Journal {
    private final ActorSystem<?> system;
    private final JdbcReadJournal read;

    Journal(ActorSystem<?> system) {
      this.system = system;
      this.read = PersistenceQuery.get(Adapter.toClassic(system))
          .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    }

    CompletionStage<List<BatchEntity.Event>> events(long number) {
      return read.currentEventsByPersistenceId(BatchEntity.persistenceId(number).id(), 0L, Long.MAX_VALUE)
          .map(e -> (BatchEntity.Event) ((EventEnvelope) e).event())
          .runWith(Sink.seq(), system);
    }

    /** The highest batch number with events, 0 for an empty journal. */
    long lastBatch() {
      String prefix = BatchEntity.ENTITY_KEY.name() + "|";
      return read.currentPersistenceIds()
          .filter(id -> id.startsWith(prefix))
          .map(id -> Long.parseLong(id.substring(prefix.length())))
          .runWith(Sink.fold(0L, Math::max), system)
          .toCompletableFuture().join();
    }

    JournalledBatch batch(long number) {
      return JournalledBatch.of(number, events(number).toCompletableFuture().join());
    }
  }

  /** A journalled batch, or why it cannot be read back into data. */
  private record Read(long number, JournalledBatch batch, String unreadable, Executor.Prepared prepared) {}

  private static final class Run {
    private final ActorSystem<Void> system;
    private final Options options;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean tty;
    private final Journal journal;
    private final DataSource ds;
    private final Database.Kind kind;

    Run(ActorSystem<Void> system, Options options, PrintStream out, PrintStream err, boolean tty) {
      this.system = system;
      this.options = options;
      this.out = out;
      this.err = err;
      this.tty = tty;
      this.journal = new Journal(system);
      this.ds = Database.get(system).dataSource();
      this.kind = Database.get(system).kind();
    }

    int run() {
      long last = journal.lastBatch();
      long to = options.to() == 0 ? last : Math.min(options.to(), last);
      int code = OK;
      if (options.executes()) code = execute(to);
      if (code == OK && options.rebuildProjections()) code = rebuildProjections(last);
      return code;
    }

    private int execute(long to) {
      Config config = system.settings().config();
      Genesis genesis = Genesis.load(Path.of(config.getString("zkchain.genesis-file")));
      int cacheNodes = config.getInt("zkchain.execution.trie-cache-nodes");
      JdbcNodeStore jdbc = new JdbcNodeStore(ds);
      NodeStore real = new CachingNodeStore(jdbc, cacheNodes);
      ScratchNodeStore scratch = null;
      NodeStore store;
      if (options.rebuildState()) {
        clearNodeStore();
        store = real;
      } else {
        scratch = new ScratchNodeStore(real);
        store = scratch;
      }
      Hash32 genesisRoot = genesis.write(store);
      Executor executor = new Executor(store, genesis.chainConfig());
      Hash32 parentRoot = genesisRoot;
      Hash32 parentAcc = AccInputHash.GENESIS;
      if (options.from() > 1) {
        JournalledBatch parent = journal.batch(options.from() - 1);
        if (!parent.hasData()) {
          err.println("zkchain replay: batch " + (options.from() - 1) + ", the parent of --from " + options.from()
              + ", has no data in the journal");
          return DIVERGED;
        }
        parentRoot = parent.stateRoot();
        parentAcc = parent.accInputHash();
      }
      String what = options.rebuildState() ? "rebuilt the state of" : "verified";
      out.printf("replaying batches %d..%d of the journal (%s)%n", options.from(), to,
          options.rebuildState() ? "verifying and rebuilding the node store" : "verifying");
      Progress progress = new Progress(out, tty, to - options.from() + 1);
      ForkJoinPool pool = ForkJoinPool.commonPool();
      SinkQueueWithCancel<Read> queue = Source.fromIterator(() -> LongStream.rangeClosed(options.from(), to).iterator())
          .mapAsync(8, n -> journal.events(n).thenApply(events -> read(n, events)))
          // sender recovery needs no state: a few batches ahead, in parallel, while one executes
          .mapAsync(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> r.batch() == null || !r.batch().hasData()
              ? CompletableFuture.completedFuture(r)
              : CompletableFuture.supplyAsync(() -> new Read(r.number(), r.batch(), null,
                  executor.prepare(r.batch().batch())), pool))
          .runWith(Sink.queue(), system);
      long consolidatedChecked = 0;
      long lastReplayed = options.from() - 1;
      try {
        while (true) {
          Optional<Read> next = queue.pull().toCompletableFuture().join();
          if (next.isEmpty()) break;
          Read r = next.get();
          BatchReplay replay;
          if (r.unreadable() != null) {
            replay = BatchReplay.unreadable(r.number(), parentRoot, r.unreadable());
          } else if (!r.batch().hasData()) {
            out.println((tty ? "\n" : "") + "batch " + r.number() + " has no data in the journal (never heard of, "
                + "or discarded): the chain ends at " + (r.number() - 1));
            break;
          } else {
            replay = BatchReplay.of(r.batch(), r.prepared(), executor, parentRoot, parentAcc);
          }
          if (replay.diverges()) {
            reportDivergence(replay, r.unreadable() == null ? r.batch().events() : List.of());
            return DIVERGED;
          }
          if (scratch != null && jdbc.get(replay.stateRoot()).isPresent()) {
            scratch.clear(); // the node store has this root already: its nodes need not stay in memory
          }
          if (r.batch().stage() == BatchEntity.Stage.CONSOLIDATED && r.batch().verifiedRoot() != null) {
            consolidatedChecked++;
          }
          parentRoot = replay.stateRoot();
          parentAcc = replay.accInputHash();
          lastReplayed = r.number();
          progress.add(1, replay.transactions());
        }
      } finally {
        queue.cancel();
      }
      progress.summary("replay " + what + " batches " + options.from() + ".." + lastReplayed);
      out.printf("every state root and accInputHash matches the journal; %d Consolidated roots match L1%n",
          consolidatedChecked);
      return OK;
    }

    private static Read read(long number, List<BatchEntity.Event> events) {
      try {
        return new Read(number, JournalledBatch.of(number, events), null, null);
      } catch (IllegalStateException e) {
        return new Read(number, null, e.getMessage(), null);
      }
    }

    private void reportDivergence(BatchReplay replay, List<BatchEntity.Event> events) {
      if (tty) out.println();
      StringBuilder b = new StringBuilder();
      b.append("DIVERGENCE at batch ").append(replay.number()).append('\n');
      b.append("  parent state root ").append(replay.parentRoot().hex()).append('\n');
      for (String d : replay.divergences()) b.append("  ").append(d).append('\n');
      b.append("  the events that produced its data:\n");
      for (int i = 0; i < events.size(); i++) b.append("    ").append(i + 1).append(' ').append(events.get(i)).append('\n');
      out.print(b);
      err.println("zkchain replay: DIVERGENCE at batch " + replay.number() + ": " + String.join("; ", replay.divergences()));
      out.flush();
    }

    private void clearNodeStore() {
      try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
        st.executeUpdate(kind == Database.Kind.POSTGRES ? "TRUNCATE " + JdbcNodeStore.DEFAULT_TABLE
            : "DELETE FROM " + JdbcNodeStore.DEFAULT_TABLE);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot clear the node store: " + e.getMessage(), e);
      }
    }

    private int rebuildProjections(long last) {
      int slices = system.settings().config().getInt("zkchain.heads.slices");
      StageHeads.Heads before = StageHeads.read(ds);
      out.println("rebuilding the read side from the journal: the stage heads (had " + heads(before)
          + ") and the transaction index");
      StageHeads.drop(ds, StageHeads.PROJECTION_NAME, "batch_stage");
      StageHeads.drop(ds, TransactionIndexProjection.PROJECTION_NAME, "l2_transaction");
      long start = System.nanoTime();
      StageHeads.runLocally(system); // creates the projections' tables too
      TransactionIndexProjection.runLocally(system);
      while (!StageHeads.caughtUp(ds, StageHeads.PROJECTION_NAME, slices)
          || !StageHeads.caughtUp(ds, TransactionIndexProjection.PROJECTION_NAME, slices)) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return DIVERGED;
        }
      }
      StageHeads.Heads after = StageHeads.read(ds);
      StageHeads.Heads expected = expectedHeads(last);
      out.printf("projections caught up with the journal in %.1f s: %s%n", (System.nanoTime() - start) / 1e9,
          heads(after));
      if (!after.equals(expected)) {
        err.println("zkchain replay: the rebuilt stage heads (" + heads(after) + ") are not those of the journal's "
            + "batches (" + heads(expected) + ")");
        return DIVERGED;
      }
      out.println("stage heads match the journal's batches");
      return OK;
    }

    /** The heads as the batches' last events leave them, without the projection. */
    private StageHeads.Heads expectedHeads(long last) {
      long trusted = 0, virtual = 0, consolidated = 0, mismatches = 0;
      Long firstMismatch = null;
      List<List<BatchEntity.Event>> all = Source.fromIterator(() -> LongStream.rangeClosed(1, last).iterator())
          .mapAsync(8, journal::events)
          .runWith(Sink.seq(), system).toCompletableFuture().join();
      long[] stage = new long[all.size() + 1];
      for (int i = 0; i < all.size(); i++) {
        List<BatchEntity.Event> events = all.get(i);
        if (events.isEmpty()) continue;
        long n = i + 1;
        BatchEntity.Event e = events.get(events.size() - 1);
        int s = e.stageAfter().ordinal();
        if (s >= 1) trusted = n;
        if (s >= 2) virtual = n;
        if (e.stateRootMismatchOpenAfter()) {
          mismatches++;
          if (firstMismatch == null) firstMismatch = n;
        }
        stage[(int) n] = s;
      }
      for (int n = 1; n < stage.length; n++) {
        if (firstMismatch != null && n >= firstMismatch) break;
        if (stage[n] >= 3) consolidated = n;
      }
      return new StageHeads.Heads(trusted, virtual, consolidated, mismatches, firstMismatch);
    }

    private static String heads(StageHeads.Heads h) {
      return "trusted " + h.trusted() + ", virtual " + h.virtual() + ", consolidated " + h.consolidated()
          + (h.openStateRootMismatches() > 0 ? ", " + h.openStateRootMismatches() + " state root mismatches" : "");
    }
  }
}
