package zkchain.infra;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The node's one database (H2 by default, PostgreSQL in production): the event journal,
 * snapshots, the stage heads read model and the state trie all live in it.
 *
 * <p>{@link #akkaConfig} points akka-persistence-jdbc and akka-projection-jdbc at it before the
 * actor system starts; the extension owns the node's own connection pool.
 */
public final class Database implements Extension {
  public enum Kind {
    H2, POSTGRES;

    /** INSERT or UPDATE by key: the first column is the key, the others are replaced. */
    public String upsert(String table, String key, String... columns) {
      String all = key + ", " + String.join(", ", columns);
      String params = "?" + ", ?".repeat(columns.length);
      if (this == H2) return "MERGE INTO " + table + " (" + all + ") KEY (" + key + ") VALUES (" + params + ")";
      StringBuilder set = new StringBuilder();
      for (String col : columns) set.append(set.length() == 0 ? "" : ", ").append(col).append(" = EXCLUDED.").append(col);
      return "INSERT INTO " + table + " (" + all + ") VALUES (" + params + ") ON CONFLICT (" + key + ") DO UPDATE SET " + set;
    }
  }

  /** Connection settings read from {@code zkchain.db}. */
  public record Settings(Kind kind, String url, String user, String password, int poolSize,
                         java.time.Duration connectTimeout) {
    public static Settings from(Config config) {
      Config db = config.getConfig("zkchain.db");
      Kind kind = switch (db.getString("kind").toLowerCase()) {
        case "h2" -> Kind.H2;
        case "postgres", "postgresql" -> Kind.POSTGRES;
        default -> throw new IllegalArgumentException(
            "zkchain.db.kind must be h2 or postgres, not '" + db.getString("kind") + "'");
      };
      String url = db.getString("url");
      if (url.isEmpty()) {
        if (kind == Kind.POSTGRES) throw new IllegalArgumentException("zkchain.db.url (ZKCHAIN_DB_URL) is required for postgres");
        Path file = Path.of(config.getString("zkchain.data-dir")).toAbsolutePath().resolve("db").resolve("zkchain");
        // The node closes its pools when its actor system stops; H2's own exit hook would close the
        // database under a still-running shutdown.
        url = "jdbc:h2:file:" + file + ";DATABASE_TO_UPPER=false;DB_CLOSE_ON_EXIT=FALSE";
      }
      java.time.Duration connectTimeout = db.getDuration("connect-timeout");
      url = kind == Kind.H2 ? crashSafeH2(url) : boundedPostgres(url, connectTimeout, db.getDuration("socket-timeout"));
      String user = db.getString("user");
      if (user.isEmpty()) user = kind == Kind.H2 ? "sa" : "postgres";
      return new Settings(kind, url, user, db.getString("password"), db.getInt("pool-size"), connectTimeout);
    }

    /**
     * H2 writes a commit to its file in the background within WRITE_DELAY (500 ms by default): a
     * kill -9 then loses commits that others already relied on (a batch served on the feed, sent to
     * L1), and was seen to leave a file H2 cannot open again. With 0 the commit is in the file
     * before it returns. Not for in-memory databases, and not when the URL sets it.
     */
    static String crashSafeH2(String url) {
      if (url.startsWith("jdbc:h2:mem:") || url.toUpperCase().contains("WRITE_DELAY")) return url;
      return url + ";WRITE_DELAY=0";
    }

    /** PostgreSQL's driver waits forever for a connection or an answer unless told otherwise. */
    static String boundedPostgres(String url, java.time.Duration connect, java.time.Duration socket) {
      StringBuilder out = new StringBuilder(url);
      char sep = url.contains("?") ? '&' : '?';
      for (var p : Map.of("connectTimeout", connect.toSeconds(), "socketTimeout", socket.toSeconds(),
          "tcpKeepAlive", "true").entrySet()) {
        if (url.contains(p.getKey() + "=")) continue;
        out.append(sep).append(p.getKey()).append('=').append(p.getValue());
        sep = '&';
      }
      return out.toString();
    }

    String driver() {
      return kind == Kind.H2 ? "org.h2.Driver" : "org.postgresql.Driver";
    }
  }

  /** What akka-persistence-jdbc and akka-projection-jdbc need to know about the database. */
  public static Config akkaConfig(Config config) {
    Settings s = Settings.from(config);
    String prefix = "akka-persistence-jdbc.shared-databases.slick.";
    return ConfigFactory.parseMap(Map.of(
        prefix + "profile", s.kind() == Kind.H2 ? "slick.jdbc.H2Profile$" : "slick.jdbc.PostgresProfile$",
        prefix + "db.url", s.url(),
        prefix + "db.user", s.user(),
        prefix + "db.password", s.password(),
        prefix + "db.driver", s.driver(),
        prefix + "db.connectionTimeout", s.connectTimeout().toMillis(),
        "akka.projection.jdbc.dialect", s.kind() == Kind.H2 ? "h2-dialect" : "postgres-dialect"));
  }

  /** Applies the journal, snapshot and read-model schema; safe to run on every start. */
  public static void applySchema(Config config) {
    Settings s = Settings.from(config);
    String resource = s.kind() == Kind.H2 ? "/db/h2-schema.sql" : "/db/postgres-schema.sql";
    try (HikariDataSource ds = pool(s, 1); Connection c = ds.getConnection(); Statement st = c.createStatement()) {
      for (String sql : readResource(resource).split(";")) {
        if (!sql.isBlank()) st.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot apply the schema to " + s.url() + ": " + e.getMessage(), e);
    }
  }

  /** Released by close(); never throws. */
  public interface SchemaLock extends AutoCloseable {
    @Override
    void close();
  }

  private static final java.time.Duration SCHEMA_LOCK_WAIT = java.time.Duration.ofSeconds(120);

  /**
   * Held while a process applies the schema and creates the tables of its parts: members of a
   * cluster that start together on one PostgreSQL database would otherwise race on
   * {@code CREATE ... IF NOT EXISTS}, which PostgreSQL does not make atomic (the loser fails on a
   * catalog index). A session-level advisory lock keyed by the schema, tried every 100 ms so that
   * no query waits past the socket timeout. An H2 file has one process: nothing to hold.
   */
  public static SchemaLock schemaLock(Config config) {
    Settings s = Settings.from(config);
    if (s.kind() == Kind.H2) return () -> {};
    try {
      Connection c = java.sql.DriverManager.getConnection(s.url(), s.user(), s.password());
      long deadline = System.nanoTime() + SCHEMA_LOCK_WAIT.toNanos();
      try (Statement st = c.createStatement()) {
        while (true) {
          try (var rs = st.executeQuery("SELECT pg_try_advisory_lock(hashtext('zkchain-schema:' || current_schema()))")) {
            rs.next();
            if (rs.getBoolean(1)) break;
          }
          if (System.nanoTime() > deadline) {
            c.close();
            throw new IllegalStateException("another process has been creating the tables of " + s.url() + " for "
                + SCHEMA_LOCK_WAIT.toSeconds() + " s; is one stuck while starting?");
          }
          Thread.sleep(100);
        }
      }
      return () -> endSession(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect to " + s.url() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the schema lock of " + s.url(), e);
    }
  }

  /** Held by a running node, or by an offline command (replay, snapshot); close() releases it. */
  public interface LiveLock extends AutoCloseable {
    @Override
    void close();
  }

  /** Another process holds the database: a node runs on it, or an offline command does. */
  public static final class DatabaseInUse extends IllegalStateException {
    public DatabaseInUse(String message) {
      super(message);
    }
  }

  /**
   * The running node's claim on its database, so that offline commands (replay, snapshot) that
   * rewrite what a node reads refuse to run under it. On PostgreSQL a session-level advisory lock
   * keyed by the schema, held on a connection of its own for as long as the node runs: shared, so
   * every member of a cluster holds it at once, and exclusive for an offline command. On H2 a file
   * lock beside the database file (one process owns an H2 file anyway, but the lock also refuses a
   * command inside the node's own JVM).
   *
   * @param exclusive true for an offline command, false for a node
   * @throws DatabaseInUse when the lock is held in the other mode (or exclusively)
   */
  public static LiveLock liveLock(Config config, boolean exclusive) {
    Settings s = Settings.from(config);
    String holder = exclusive
        ? "a node is running on this database (" + s.url() + "), or another offline command is; stop it first"
        : "an offline command (replay or snapshot) is using this database (" + s.url() + "); wait for it to end";
    if (s.kind() == Kind.H2) return h2LiveLock(s, holder);
    try {
      Connection c = java.sql.DriverManager.getConnection(s.url(), s.user(), s.password());
      String fn = exclusive ? "pg_try_advisory_lock" : "pg_try_advisory_lock_shared";
      try (Statement st = c.createStatement();
           var rs = st.executeQuery("SELECT " + fn + "(hashtext('zkchain-live:' || current_schema()))")) {
        rs.next();
        if (!rs.getBoolean(1)) {
          c.close();
          throw new DatabaseInUse(holder);
        }
      }
      return () -> endSession(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect to " + s.url() + ": " + e.getMessage(), e);
    }
  }

  /** The H2 database file's path as its URL names it, or null for an in-memory database. */
  static Path h2File(String url) {
    if (!url.startsWith("jdbc:h2:file:")) return null;
    String rest = url.substring("jdbc:h2:file:".length());
    int semicolon = rest.indexOf(';');
    return Path.of(semicolon < 0 ? rest : rest.substring(0, semicolon));
  }

  private static LiveLock h2LiveLock(Settings s, String holder) {
    Path db = h2File(s.url());
    if (db == null) return () -> {};
    Path lockFile = db.resolveSibling(db.getFileName() + ".live.lock");
    try {
      java.nio.file.Files.createDirectories(lockFile.toAbsolutePath().getParent());
      java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lockFile,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
      java.nio.channels.FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        lock = null; // held by this JVM: a node running in it
      }
      if (lock == null) {
        channel.close();
        throw new DatabaseInUse(holder);
      }
      java.nio.channels.FileLock held = lock;
      return () -> {
        try {
          held.release();
          channel.close();
        } catch (IOException e) {
          // the operating system releases the lock with the process
        }
      };
    } catch (IOException e) {
      throw new IllegalStateException("cannot open the lock file " + lockFile + ": " + e.getMessage(), e);
    }
  }

  public static final ExtensionId<Database> ID = new ExtensionId<>() {
    @Override
    public Database createExtension(ActorSystem<?> system) {
      return new Database(system);
    }
  };

  public static Database get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private final Settings settings;
  private final HikariDataSource dataSource;

  private Database(ActorSystem<?> system) {
    this.settings = Settings.from(system.settings().config());
    this.dataSource = pool(settings, settings.poolSize());
    system.getWhenTerminated().whenComplete((done, error) -> dataSource.close());
  }

  public Kind kind() {
    return settings.kind();
  }

  public DataSource dataSource() {
    return dataSource;
  }

  private static HikariDataSource pool(Settings s, int size) {
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(s.url());
    hc.setUsername(s.user());
    hc.setPassword(s.password());
    hc.setDriverClassName(s.driver());
    hc.setMaximumPoolSize(size);
    // a caller waits at most this long for a connection, and a dead one is noticed when validated
    hc.setConnectionTimeout(s.connectTimeout().toMillis());
    hc.setValidationTimeout(Math.min(s.connectTimeout().toMillis(), 3_000));
    hc.setMinimumIdle(Math.min(1, size));
    hc.setPoolName("zkchain-" + s.kind().name().toLowerCase());
    return new HikariDataSource(hc);
  }

  private static String readResource(String name) {
    try (InputStream in = Database.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("missing resource " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Closing the connection ends the session, and the advisory lock it holds with it; never throws. */
  private static void endSession(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // the server ends the session, and the lock, when the connection is gone
    }
  }
}
