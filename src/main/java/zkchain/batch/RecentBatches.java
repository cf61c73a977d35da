package zkchain.batch;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.sql.DataSource;
import zkchain.infra.Database;

/** The most recent batches with their stage, from the stage heads' {@code batch_stage} table: the web page's strip. */
public final class RecentBatches {
  private RecentBatches() {}

  /**
   * One batch of the strip: its stage, roots, when it reached each stage (epoch ms, null where it
   * has not, or before this version of the node recorded them), and what happened to it:
   * {@code stateRootMismatch} while one is open, {@code trustedReorg} when L1 replaced the feed's
   * version, {@code l1Undone} when an L1 reorg undid a stage of it.
   */
  public record Cell(long number, BatchEntity.Stage stage, boolean stateRootMismatch, String stateRoot,
                     String verifiedRoot, Long trustedAt, Long virtualAt, Long consolidatedAt, boolean trustedReorg,
                     boolean l1Undone) {}

  private static final String SQL = """
      SELECT number, stage, state_root_mismatch, state_root, verified_root, trusted_at, virtual_at, consolidated_at,
        trusted_reorg, l1_undone
      FROM batch_stage ORDER BY number DESC LIMIT ?
      """;

  /** The last {@code limit} batches, oldest first, read on the blocking dispatcher. */
  public static CompletionStage<List<Cell>> read(ActorSystem<?> system, int limit) {
    var blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    DataSource ds = Database.get(system).dataSource();
    return CompletableFuture.supplyAsync(() -> read(ds, limit), blocking);
  }

  public static List<Cell> read(DataSource ds, int limit) {
    var stages = BatchEntity.Stage.values();
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(SQL)) {
      ps.setInt(1, limit);
      var cells = new ArrayList<Cell>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          cells.add(new Cell(rs.getLong(1), stages[rs.getShort(2)], rs.getBoolean(3), rs.getString(4), rs.getString(5),
              nullableLong(rs, 6), nullableLong(rs, 7), nullableLong(rs, 8), rs.getBoolean(9), rs.getBoolean(10)));
        }
      }
      java.util.Collections.reverse(cells);
      return cells;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the recent batches: " + e.getMessage(), e);
    }
  }

  private static Long nullableLong(ResultSet rs, int column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }
}
