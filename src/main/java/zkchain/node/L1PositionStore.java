package zkchain.node;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;
import zkchain.l1.L1Block;
import zkchain.l1.L1Chain;

/**
 * The L1 position of the node's sync, one row per rollup: the processed blocks it may still have
 * to undo and the view of the rollup after each. Written after every step's commands were
 * delivered, so a restart resumes there and re-delivers at most one step (harmlessly).
 */
public final class L1PositionStore {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What is stored: the kept chain and the views after its blocks. */
  public record Position(List<L1Block> chain, TreeMap<Long, BatchExecution.L1View> checkpoints) {
    public L1Chain l1Chain() {
      return new L1Chain(chain);
    }
  }

  private final DataSource dataSource;
  private final String upsert;

  public L1PositionStore(DataSource dataSource, Database.Kind kind) {
    this.dataSource = dataSource;
    this.upsert = kind.upsert("l1_position", "rollup", "position");
  }

  public Optional<Position> load(String rollup) {
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT position FROM l1_position WHERE rollup = ?")) {
      ps.setString(1, rollup.toLowerCase());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return Optional.empty();
        return Optional.of(JSON.readValue(rs.getString(1), new TypeReference<Position>() {}));
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the L1 position of rollup " + rollup + ": " + e.getMessage(), e);
    }
  }

  public void save(String rollup, Position position) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(upsert)) {
      ps.setString(1, rollup.toLowerCase());
      ps.setString(2, JSON.writeValueAsString(position));
      ps.executeUpdate();
    } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot save the L1 position of rollup " + rollup + ": " + e.getMessage(), e);
    }
  }
}
