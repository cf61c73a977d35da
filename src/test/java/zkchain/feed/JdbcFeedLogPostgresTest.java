package zkchain.feed;

import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import zkchain.infra.Database;
import zkchain.testing.TestDatabases;

/**
 * The same contract on PostgreSQL, each database a schema of its own with the node's schema file
 * applied (TestDatabases: fails under CI=true without a server, skipped loudly otherwise).
 */
class JdbcFeedLogPostgresTest extends FeedLogContract {
  private final List<AutoCloseable> opened = new ArrayList<>();

  @Override
  DataSource database() {
    TestDatabases.PgSchema schema = TestDatabases.freshPgSchema();
    opened.add(schema);
    Map<String, Object> config = new HashMap<>(schema.zkchainDbConfig());
    config.put("zkchain.db.pool-size", 2);
    config.put("zkchain.data-dir", "target");
    Database.applySchema(ConfigFactory.parseMap(config).withFallback(ConfigFactory.load()));
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(schema.url());
    hc.setUsername(TestDatabases.PG_USER);
    hc.setPassword(TestDatabases.PG_PASSWORD);
    hc.setMaximumPoolSize(4);
    HikariDataSource ds = new HikariDataSource(hc);
    opened.add(0, ds); // closed before its schema is dropped
    return ds;
  }

  @AfterAll
  void dropSchemas() throws Exception {
    for (AutoCloseable c : opened) c.close();
  }
}
