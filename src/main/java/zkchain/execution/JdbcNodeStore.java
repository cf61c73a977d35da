package zkchain.execution;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import zkchain.protocol.Hash32;

/**
 * Trie nodes in a relational table, on H2 or PostgreSQL: {@code trie_node(hash, node)}, keyed by
 * hash. The table is created at construction if missing. Writes are one transaction per
 * {@link #putAll}, batched, and insert-if-absent so that two writers of the same node (two
 * batches reaching the same account state) never conflict. Put a {@link CachingNodeStore} in
 * front: every trie walk reads through here.
 */
public final class JdbcNodeStore implements NodeStore {
  public static final String DEFAULT_TABLE = "trie_node";
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final int ROWS_PER_BATCH = 1_000;

  /** The SQL that differs between the two databases the node supports. */
  enum Dialect {
    H2("CREATE TABLE IF NOT EXISTS %s (hash BINARY(32) PRIMARY KEY, node VARBINARY NOT NULL)",
        "MERGE INTO %s (hash, node) KEY (hash) VALUES (?, ?)"),
    POSTGRESQL("CREATE TABLE IF NOT EXISTS %s (hash BYTEA PRIMARY KEY, node BYTEA NOT NULL)",
        "INSERT INTO %s (hash, node) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING");

    final String createTable;
    final String insertIfAbsent;

    Dialect(String createTable, String insertIfAbsent) {
      this.createTable = createTable;
      this.insertIfAbsent = insertIfAbsent;
    }

    static Dialect of(String productName) {
      if (productName.equalsIgnoreCase("H2")) return H2;
      if (productName.equalsIgnoreCase("PostgreSQL")) return POSTGRESQL;
      throw new IllegalArgumentException("trie nodes can be stored in H2 or PostgreSQL, not " + productName);
    }
  }

  private final DataSource dataSource;
  private final Dialect dialect;
  private final String selectSql;
  private final String insertSql;

  public JdbcNodeStore(DataSource dataSource) {
    this(dataSource, DEFAULT_TABLE);
  }

  public JdbcNodeStore(DataSource dataSource, String table) {
    if (!IDENTIFIER.matcher(table).matches()) {
      throw new IllegalArgumentException("table name \"" + table + "\" must be a lower-case SQL identifier");
    }
    this.dataSource = dataSource;
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      this.dialect = Dialect.of(c.getMetaData().getDatabaseProductName());
      s.execute(String.format(dialect.createTable, table));
      if (!c.getAutoCommit()) c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create trie node table " + table + ": " + e.getMessage(), e);
    }
    this.selectSql = "SELECT node FROM " + table + " WHERE hash = ?";
    this.insertSql = String.format(dialect.insertIfAbsent, table);
  }

  public String dialect() {
    return dialect.name();
  }

  @Override
  public Optional<byte[]> get(Hash32 hash) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(selectSql)) {
      ps.setBytes(1, hash.bytes());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read trie node " + hash + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void putAll(Map<Hash32, byte[]> nodes) {
    if (nodes.isEmpty()) return;
    // one key order for every writer, so concurrent writers lock rows in the same order
    List<Hash32> keys = new ArrayList<>(nodes.keySet());
    keys.sort(null);
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(insertSql)) {
        int pending = 0;
        for (Hash32 key : keys) {
          ps.setBytes(1, key.bytes());
          ps.setBytes(2, nodes.get(key));
          ps.addBatch();
          if (++pending == ROWS_PER_BATCH) {
            ps.executeBatch();
            pending = 0;
          }
        }
        if (pending > 0) ps.executeBatch();
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot write " + nodes.size() + " trie nodes: " + e.getMessage(), e);
    }
  }
}
