package zkchain.batch;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.persistence.jdbc.query.javadsl.JdbcReadJournal;
import akka.projection.ProjectionBehavior;
import akka.projection.ProjectionId;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.eventsourced.javadsl.EventSourcedProvider;
import akka.projection.jdbc.javadsl.JdbcHandler;
import akka.projection.jdbc.javadsl.JdbcProjection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import zkchain.batch.BatchEntity;
import zkchain.infra.DataSourceJdbcSession;
import zkchain.infra.Database;

/**
 * The highest batch number at each stage, kept by a projection of the batch journal into the
 * {@code batch_stage} table of the node's database, exactly once (offsets and rows commit
 * together), so the heads survive restarts and are rebuilt by replaying the journal.
 *
 * <p>A batch at a later stage counts for the earlier ones too (a Virtual batch is at least
 * Trusted). The Consolidated head stops below the first open state root mismatch (§7).
 */
public final class StageHeads {
  private StageHeads() {}

  public record Heads(long trusted, long virtual, long consolidated, long openStateRootMismatches,
                      Long firstStateRootMismatch) {}

  /** Starts one projection instance per tag slice, spread over the cluster. */
  public static void init(ActorSystem<?> system) {
    Database db = Database.get(system);
    int slices = system.settings().config().getInt("zkchain.heads.slices");
    JdbcProjection.createTablesIfNotExists(() -> new DataSourceJdbcSession(db.dataSource()), system)
        .toCompletableFuture().join();
    ShardedDaemonProcess.get(system).init(
        ProjectionBehavior.Command.class,
        "stage-heads",
        slices,
        i -> ProjectionBehavior.create(projection(system, db, BatchEntity.tagFor(i, slices))),
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
  }

  /**
   * Runs every slice's projection in this process, outside the cluster: what replay
   * --rebuild-projections does on a stopped node's database. They stop with the actor system.
   */
  public static void runLocally(ActorSystem<?> system) {
    Database db = Database.get(system);
    int slices = system.settings().config().getInt("zkchain.heads.slices");
    JdbcProjection.createTablesIfNotExists(() -> new DataSourceJdbcSession(db.dataSource()), system)
        .toCompletableFuture().join();
    for (int i = 0; i < slices; i++) {
      system.systemActorOf(ProjectionBehavior.create(projection(system, db, BatchEntity.tagFor(i, slices))),
          "stage-heads-" + i, akka.actor.typed.Props.empty());
    }
  }

  /** The projection's name in the offset store. */
  public static final String PROJECTION_NAME = "stage-heads";

  /** Drops a read side: the rows of its tables and its projection's offsets, so it runs again from the journal's start. */
  public static void drop(DataSource ds, String projectionName, String... tables) {
    try (Connection c = ds.getConnection(); var st = c.createStatement()) {
      for (String table : tables) st.executeUpdate("DELETE FROM " + table);
      st.executeUpdate("DELETE FROM akka_projection_offset_store WHERE projection_name = '" + projectionName + "'");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop the read side of " + projectionName + ": " + e.getMessage(), e);
    }
  }

  /** Whether every slice's projection has processed the last event of its tag in the journal. */
  public static boolean caughtUp(DataSource ds, String projectionName, int slices) {
    String sql = "SELECT current_offset FROM akka_projection_offset_store WHERE projection_name = ? AND projection_key = ?";
    try (Connection c = ds.getConnection()) {
      for (int i = 0; i < slices; i++) {
        String tag = BatchEntity.tagFor(i, slices);
        long last;
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(event_id), 0) FROM event_tag WHERE tag = ?")) {
          ps.setString(1, tag);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            last = rs.getLong(1);
          }
        }
        if (last == 0) continue;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          ps.setString(1, projectionName);
          ps.setString(2, tag);
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || Long.parseLong(rs.getString(1)) < last) return false;
          }
        }
      }
      return true;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the stage heads projection's offsets: " + e.getMessage(), e);
    }
  }

  /**
   * Events are handled in groups (up to {@value #GROUP} or {@link #GROUP_WITHIN}), each group in one
   * transaction with its offset: exactly once, without a commit per event.
   */
  private static akka.projection.Projection<EventEnvelope<BatchEntity.Event>> projection(
      ActorSystem<?> system, Database db, String tag) {
    return JdbcProjection.groupedWithin(
        ProjectionId.of(PROJECTION_NAME, tag),
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), tag),
        () -> new DataSourceJdbcSession(db.dataSource()),
        () -> new Handler(db.kind()),
        system)
        .withGroup(GROUP, GROUP_WITHIN);
  }

  private static final int GROUP = 200;
  private static final java.time.Duration GROUP_WITHIN = java.time.Duration.ofMillis(100);

  /**
   * Writes the stage each event leaves its batch in, and what the web page shows of it: its roots,
   * when it reached each stage (the event's time) and whether a trusted reorg or an L1 undo hit it.
   */
  static final class Handler extends JdbcHandler<List<EventEnvelope<BatchEntity.Event>>, DataSourceJdbcSession> {
    private final String upsert;

    Handler(Database.Kind kind) {
      this.upsert = kind.upsert("batch_stage", "number", "stage", "state_root_mismatch");
    }

    /** In the events' order: a batch's later event may overwrite what an earlier one of the group wrote. */
    @Override
    public void process(DataSourceJdbcSession session, List<EventEnvelope<BatchEntity.Event>> envelopes) throws Exception {
      session.withConnection(c -> {
        try (PreparedStatement ps = c.prepareStatement(upsert)) {
          for (EventEnvelope<BatchEntity.Event> envelope : envelopes) {
            BatchEntity.Event event = envelope.event();
            ps.setLong(1, event.number());
            ps.setShort(2, (short) event.stageAfter().ordinal());
            ps.setBoolean(3, event.stateRootMismatchOpenAfter());
            ps.executeUpdate();
            details(c, event);
          }
        }
        return envelopes.size();
      });
    }

    private static int details(Connection c, BatchEntity.Event event) throws SQLException {
      long at = event.at().toEpochMilli();
      if (event instanceof BatchEntity.TrustedRecorded e) {
        return update(c, "state_root = ?, verified_root = NULL, trusted_at = ?, virtual_at = NULL, consolidated_at = NULL",
            e.number(), e.stateRoot(), at);
      } else if (event instanceof BatchEntity.Virtualized e) {
        // a batch L1 brought first is Trusted and Virtual at once
        return update(c, "state_root = ?, trusted_at = COALESCE(trusted_at, ?), virtual_at = ?, "
            + "trusted_reorg = trusted_reorg OR ?", e.number(), e.stateRoot(), at, at, !e.differingFields().isEmpty());
      } else if (event instanceof BatchEntity.Consolidated e) {
        return update(c, "verified_root = ?, consolidated_at = ?", e.number(), e.verifiedRoot(), at);
      } else if (event instanceof BatchEntity.StateRootMismatched e) {
        return update(c, "verified_root = ?", e.number(), e.verifiedRoot());
      } else if (event instanceof BatchEntity.TrustedDiscarded e) {
        // the reorg is marked where it happened (a Virtualized with differing fields), not on the batches it discarded
        return update(c, "trusted_at = NULL, state_root = NULL", e.number());
      } else if (event instanceof BatchEntity.L1BlockUndone e) {
        boolean notVirtual = e.stageAfter().compareTo(BatchEntity.Stage.VIRTUAL) < 0;
        boolean notConsolidated = e.stageAfter().compareTo(BatchEntity.Stage.CONSOLIDATED) < 0;
        boolean noData = e.stageAfter() == BatchEntity.Stage.NONE;
        return update(c, "l1_undone = ?" + (noData ? ", state_root = NULL, trusted_at = NULL" : "")
            + (notVirtual ? ", virtual_at = NULL" : "")
            + (notConsolidated ? ", consolidated_at = NULL" : "")
            + (notConsolidated && !e.stateRootMismatchOpenAfter() ? ", verified_root = NULL" : ""), e.number(), true);
      }
      throw new IllegalArgumentException("no read side for " + event.getClass().getSimpleName());
    }

    private static int update(Connection c, String set, long number, Object... values) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement("UPDATE batch_stage SET " + set + " WHERE number = ?")) {
        for (int i = 0; i < values.length; i++) ps.setObject(i + 1, values[i]);
        ps.setLong(values.length + 1, number);
        return ps.executeUpdate();
      }
    }
  }

  private static final String HEADS_SQL = """
      SELECT
        (SELECT COALESCE(MAX(number), 0) FROM batch_stage WHERE stage >= 1),
        (SELECT COALESCE(MAX(number), 0) FROM batch_stage WHERE stage >= 2),
        (SELECT COALESCE(MAX(number), 0) FROM batch_stage WHERE stage >= 3
           AND number < (SELECT COALESCE(MIN(number), 9223372036854775807) FROM batch_stage WHERE state_root_mismatch)),
        (SELECT COUNT(*) FROM batch_stage WHERE state_root_mismatch),
        (SELECT MIN(number) FROM batch_stage WHERE state_root_mismatch)
      """;

  /**
   * Since when (epoch ms, the event's time) the oldest batch still waiting for the next stage has
   * waited: the lag of the Virtual head behind the Trusted one, and of Consolidated behind Virtual,
   * in time; null when no batch waits.
   */
  public record Waiting(Long forVirtualSince, Long forConsolidatedSince) {
    public static final Waiting NONE = new Waiting(null, null);

    /** Seconds from {@code since} to {@code nowMillis}, or 0 when nothing waits. */
    public static long seconds(Long since, long nowMillis) {
      return since == null ? 0 : Math.max(0, (nowMillis - since) / 1000);
    }
  }

  /** The lowest batch at each stage waits longest (batches advance in order); one index probe each. */
  private static final String WAITING_SQL = """
      SELECT
        (SELECT trusted_at FROM batch_stage WHERE stage = 1 ORDER BY number LIMIT 1),
        (SELECT virtual_at FROM batch_stage WHERE stage = 2 ORDER BY number LIMIT 1)
      """;

  public static Waiting readWaiting(DataSource ds) {
    try (Connection c = ds.getConnection();
         PreparedStatement ps = c.prepareStatement(WAITING_SQL);
         ResultSet rs = ps.executeQuery()) {
      rs.next();
      return new Waiting(rs.getObject(1) == null ? null : rs.getLong(1), rs.getObject(2) == null ? null : rs.getLong(2));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the stage times: " + e.getMessage(), e);
    }
  }

  /** Reads the heads on the blocking dispatcher. */
  public static CompletionStage<Heads> read(ActorSystem<?> system) {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    DataSource ds = Database.get(system).dataSource();
    return CompletableFuture.supplyAsync(() -> read(ds), blocking);
  }

  public static Heads read(DataSource ds) {
    try (Connection c = ds.getConnection();
         PreparedStatement ps = c.prepareStatement(HEADS_SQL);
         ResultSet rs = ps.executeQuery()) {
      rs.next();
      long first = rs.getLong(5);
      Long firstMismatch = rs.wasNull() ? null : first;
      return new Heads(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), firstMismatch);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the stage heads: " + e.getMessage(), e);
    }
  }
}
