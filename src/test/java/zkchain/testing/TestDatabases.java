package zkchain.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/**
 * The databases tests run against. PostgreSQL comes from ZKCHAIN_TEST_PG_URL (default the local
 * server's `test` database); each test gets a schema of its own, dropped afterwards. Without a
 * server the test fails when CI=true and is skipped, loudly, otherwise.
 */
public final class TestDatabases {
  private TestDatabases() {}

  public static final String PG_URL =
      System.getenv().getOrDefault("ZKCHAIN_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
  public static final String PG_USER = System.getenv().getOrDefault("ZKCHAIN_TEST_PG_USER", "postgres");
  public static final String PG_PASSWORD = System.getenv().getOrDefault("ZKCHAIN_TEST_PG_PASSWORD", "");

  /** A fresh PostgreSQL schema; close() drops it. */
  public record PgSchema(String name, String url) implements AutoCloseable {
    /** zkchain.db settings pointing at this schema. */
    public Map<String, Object> zkchainDbConfig() {
      return Map.of("zkchain.db.kind", "postgres", "zkchain.db.url", url,
          "zkchain.db.user", PG_USER, "zkchain.db.password", PG_PASSWORD);
    }

    /** zkchain.db settings pointing at this schema through a proxy listening on {@code proxyPort}. */
    public Map<String, Object> zkchainDbConfigVia(int proxyPort) {
      String via = url.replaceFirst("//[^/]+/", "//127.0.0.1:" + proxyPort + "/");
      return Map.of("zkchain.db.kind", "postgres", "zkchain.db.url", via,
          "zkchain.db.user", PG_USER, "zkchain.db.password", PG_PASSWORD);
    }

    @Override
    public void close() {
      try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, PG_PASSWORD); Statement st = c.createStatement()) {
        st.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
      } catch (SQLException e) {
        System.err.println("could not drop test schema " + name + ": " + e.getMessage());
      }
    }
  }

  /** The port of the test server, from ZKCHAIN_TEST_PG_URL (5432 when the URL names none). */
  public static int pgPort() {
    var m = java.util.regex.Pattern.compile("//[^/:]+(?::(\\d+))?/").matcher(PG_URL);
    return m.find() && m.group(1) != null ? Integer.parseInt(m.group(1)) : 5432;
  }

  /** Creates a schema on the test server, or fails (CI) / skips (elsewhere) when there is none. */
  public static PgSchema freshPgSchema() {
    String name = "zkchain_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, PG_PASSWORD); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + name);
    } catch (SQLException e) {
      String why = "PostgreSQL not reachable at " + PG_URL + " (" + e.getMessage() + ")";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(why + "; CI=true requires it (set ZKCHAIN_TEST_PG_URL)", e);
      }
      System.err.println("\n*** SKIPPING PostgreSQL test: " + why + " ***\n");
      assumeTrue(false, why);
    }
    String sep = PG_URL.contains("?") ? "&" : "?";
    return new PgSchema(name, PG_URL + sep + "currentSchema=" + name);
  }
}
