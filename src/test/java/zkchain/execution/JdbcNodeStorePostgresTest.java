package zkchain.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import zkchain.testing.TestDatabases;

/**
 * The same contract on PostgreSQL (ZKCHAIN_TEST_PG_URL), in a schema of its own that is dropped
 * afterwards. Without a server the test fails under CI=true and is skipped, loudly, elsewhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcNodeStorePostgresTest extends NodeStoreContract {
  private TestDatabases.PgSchema schema;
  private HikariDataSource pg;

  @BeforeAll
  void connect() {
    schema = TestDatabases.freshPgSchema();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(schema.url());
    config.setUsername(TestDatabases.PG_USER);
    config.setPassword(TestDatabases.PG_PASSWORD);
    config.setMaximumPoolSize(4);
    pg = new HikariDataSource(config);
  }

  @AfterAll
  void drop() {
    if (pg != null) pg.close();
    if (schema != null) schema.close();
  }

  @Override
  NodeStore openStore() {
    JdbcNodeStore store = new JdbcNodeStore(pg);
    assertEquals("POSTGRESQL", store.dialect());
    return store;
  }
}
