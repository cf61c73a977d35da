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
 * Trie nodes in a relational table, on H2 or PostgreSQL: {@code trie_node(hash, node, touched)},
 * keyed by hash. The table is created at construction if missing. Writes are one transaction per
 * {@link #putAll}, batched, and insert-if-absent so that two writers of the same node (two
 * batches reaching the same account state) never conflict. Put a {@link CachingNodeStore} in
 * front: every trie walk reads through here.
 *
 * <p>{@code touched} is the database's clock (milliseconds) when a node was last written, a node
 * already present included: the pruner ({@code zkchain.state.TriePruner}) deletes only nodes
 * written before its run began, so a batch executed while it runs never loses a node it wrote or
 * reused.
 */
public final class JdbcNodeStore implements NodeStore {
  public static final String DEFAULT_TABLE = "trie_node";
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final int ROWS_PER_BATCH = 1_000;

  /** The SQL that differs between the two databases the node supports. */
  enum Dialect {
    // H2 is embedded: its clock is this process's
    H2("CREATE TABLE IF NOT EXISTS %s (hash BINARY(32) PRIMARY KEY, node VARBINARY NOT NULL)",
        "ALTER TABLE %s ADD COLUMN IF NOT EXISTS touched BIGINT DEFAULT 0 NOT NULL",
        "MERGE INTO %s (hash, node, touched) KEY (hash) VALUES (?, ?, CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP(3)) * 1000 AS BIGINT))",
        "SELECT CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP(3)) * 1000 AS BIGINT)"),
    // the server's clock, the same for every member of a cluster
    POSTGRESQL("CREATE TABLE IF NOT EXISTS %s (hash BYTEA PRIMARY KEY, node BYTEA NOT NULL)",
        "ALTER TABLE %s ADD COLUMN IF NOT EXISTS touched BIGINT DEFAULT 0 NOT NULL",
        "INSERT INTO %s (hash, node, touched) VALUES (?, ?, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT) "
            + "ON CONFLICT (hash) DO UPDATE SET touched = EXCLUDED.touched",
        "SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT");

    final String createTable;
    final String addTouched;
    final String insertIfAbsent;
    final String now;

    Dialect(String createTable, String addTouched, String insertIfAbsent, String now) {
      this.createTable = createTable;
      this.addTouched = addTouched;
      this.insertIfAbsent = insertIfAbsent;
      this.now = now;
    }

    static Dialect of(String productName) {
      if (productName.equalsIgnoreCase("H2")) return H2;
      if (productName.equalsIgnoreCase("PostgreSQL")) return POSTGRESQL;
      throw new IllegalArgumentException("trie nodes can be stored in H2 or PostgreSQL, not " + productName);
    }
  }

  private final DataSource dataSource;
  private final Dialect dialect;
  private final String table;
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
    this.table = table;
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      this.dialect = Dialect.of(c.getMetaData().getDatabaseProductName());
      s.execute(String.format(dialect.createTable, table));
      s.execute(String.format(dialect.addTouched, table));
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

  /** The database's clock, in milliseconds, as {@code touched} reads it. */
  public long now() {
    try (Connection c = dataSource.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(dialect.now)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the database clock: " + e.getMessage(), e);
    }
  }

  /** Every stored hash, streamed to {@code each} (no more than a page in memory). */
  public void forEachHash(java.util.function.Consumer<Hash32> each) {
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false); // PostgreSQL streams with a fetch size only inside a transaction
      try (PreparedStatement ps = c.prepareStatement("SELECT hash FROM " + table)) {
        ps.setFetchSize(10_000);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) each.accept(new Hash32(rs.getBytes(1)));
        }
        c.commit();
      } finally {
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot list the trie nodes: " + e.getMessage(), e);
    }
  }

  /** Stored nodes. */
  public long count() {
    try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot count the trie nodes: " + e.getMessage(), e);
    }
  }

  /**
   * Deletes these nodes where they were last written before {@code before} (the database's clock):
   * a node a writer stored or reused since is left. Returns how many went.
   */
  public int deleteUntouchedSince(List<Hash32> hashes, long before) {
    if (hashes.isEmpty()) return 0;
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      int deleted = 0;
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE hash = ? AND touched < ?")) {
        for (Hash32 h : hashes) {
          ps.setBytes(1, h.bytes());
          ps.setLong(2, before);
          ps.addBatch();
        }
        for (int n : ps.executeBatch()) deleted += Math.max(n, 0);
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
      return deleted;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot delete " + hashes.size() + " trie nodes: " + e.getMessage(), e);
    }
  }
}
