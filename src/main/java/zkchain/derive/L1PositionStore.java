package zkchain.derive;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import zkchain.infra.Database;

/**
 * The node's L1 position (where its L1 derivation stands), one row per rollup, as JSON. Saved
 * after every step's batches were delivered, so a restart resumes there and delivers at most one
 * step again (harmlessly: a batch entity takes the same fact twice without a second event).
 */
public final class L1PositionStore {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DataSource dataSource;
  private final String upsert;

  public L1PositionStore(DataSource dataSource, Database.Kind kind) {
    this.dataSource = dataSource;
    this.upsert = kind.upsert("l1_position", "rollup", "position");
  }

  public Optional<L1Position> load(String rollup) {
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT position FROM l1_position WHERE rollup = ?")) {
      ps.setString(1, rollup.toLowerCase());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return Optional.empty();
        return Optional.of(JSON.readValue(rs.getString(1), new TypeReference<L1Position>() {}));
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the L1 position of rollup " + rollup + ": " + e.getMessage(), e);
    }
  }

  public void save(String rollup, L1Position position) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(upsert)) {
      ps.setString(1, rollup.toLowerCase());
      ps.setString(2, JSON.writeValueAsString(position));
      ps.executeUpdate();
    } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot save the L1 position of rollup " + rollup + ": " + e.getMessage(), e);
    }
  }
}
