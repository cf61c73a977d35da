package zkchain.execution;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import zkchain.protocol.Hash32;

/**
 * Block hashes in the role's database, table {@code l2_block} (db/*-schema.sql): computed once,
 * kept across restarts, found by hash for {@code eth_getBlockByHash}.
 */
public final class JdbcBlockHashes implements BlockHashes {
  private final DataSource dataSource;
  private final String insert;

  public JdbcBlockHashes(DataSource dataSource) {
    this.dataSource = dataSource;
    try (Connection c = dataSource.getConnection()) {
      boolean h2 = c.getMetaData().getDatabaseProductName().equalsIgnoreCase("H2");
      this.insert = h2
          ? "MERGE INTO l2_block (number, acc_input_hash, hash) KEY (number, acc_input_hash) VALUES (?, ?, ?)"
          : "INSERT INTO l2_block (number, acc_input_hash, hash) VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open the block hashes: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Hash32> get(long number, Hash32 accInputHash) {
    List<Known> rows = query("SELECT number, acc_input_hash, hash FROM l2_block WHERE number = ? AND acc_input_hash = ?",
        number, accInputHash.bytes());
    return rows.stream().findFirst().map(Known::hash);
  }

  @Override
  public void put(long number, Hash32 accInputHash, Hash32 hash) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(insert)) {
      ps.setLong(1, number);
      ps.setBytes(2, accInputHash.bytes());
      ps.setBytes(3, hash.bytes());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record the hash of block " + number + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<Known> byHash(Hash32 hash) {
    return query("SELECT number, acc_input_hash, hash FROM l2_block WHERE hash = ?", hash.bytes());
  }

  private List<Known> query(String sql, Object... params) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
      List<Known> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Known(rs.getLong(1), new Hash32(rs.getBytes(2)), new Hash32(rs.getBytes(3))));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read block hashes: " + e.getMessage(), e);
    }
  }
}
