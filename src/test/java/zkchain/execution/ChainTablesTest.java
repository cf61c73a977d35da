package zkchain.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import zkchain.infra.Database;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Hash32;
import zkchain.testing.TestDatabases;

/** l2_block and l2_transaction on both databases, with the schema every start applies (twice: idempotent). */
class ChainTablesTest {
  @Test
  void onH2() throws Exception {
    String url = "jdbc:h2:mem:chain-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;DATABASE_TO_UPPER=false";
    check(Map.of("zkchain.db.kind", "h2", "zkchain.db.url", url), url, "sa", "");
  }

  @Test
  void onPostgres() throws Exception {
    try (var pg = TestDatabases.freshPgSchema()) {
      check(pg.zkchainDbConfig(), pg.url(), TestDatabases.PG_USER, TestDatabases.PG_PASSWORD);
    }
  }

  private static void check(Map<String, Object> db, String url, String user, String password) throws Exception {
    var config = ConfigFactory.parseMap(db).withFallback(ConfigFactory.load());
    Database.applySchema(config);
    Database.applySchema(config);
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(url);
    hc.setUsername(user);
    hc.setPassword(password);
    hc.setMaximumPoolSize(2);
    try (HikariDataSource ds = new HikariDataSource(hc)) {
      JdbcBlockHashes hashes = new JdbcBlockHashes(ds);
      Hash32 acc = Hash32.keccak(new byte[] {1});
      Hash32 otherAcc = Hash32.keccak(new byte[] {2});
      Hash32 hash = Hash32.keccak(new byte[] {3});
      hashes.put(7, acc, hash);
      hashes.put(7, acc, hash); // computed again: no conflict
      hashes.put(7, otherAcc, Hash32.keccak(new byte[] {4}));
      assertEquals(Optional.of(hash), hashes.get(7, acc));
      assertEquals(Optional.empty(), hashes.get(8, acc));
      assertEquals(List.of(new BlockHashes.Known(7, acc, hash)), hashes.byHash(hash));

      byte[] a = {(byte) 0xc1, 1};
      byte[] b = {(byte) 0xc1, 2};
      byte[] version1 = BatchTransactions.encode(List.of(a, b));
      byte[] version2 = BatchTransactions.encode(List.of(b));
      try (Connection c = ds.getConnection()) {
        TransactionIndex.record(c, 5, version1);
        TransactionIndex.record(c, 5, version1); // the projection delivers again: no conflict
        TransactionIndex.record(c, 5, version2);
        TransactionIndex.record(c, 6, BatchTransactions.encode(List.of()));
        TransactionIndex.record(c, 6, new byte[] {1, 2, 3}); // not a list: nothing to index
      }
      assertEquals(List.of(new TransactionIndex.Location(Hash32.keccak(a), 5, Hash32.keccak(version1), 0)),
          TransactionIndex.find(ds, Hash32.keccak(a)));
      assertEquals(2, TransactionIndex.find(ds, Hash32.keccak(b)).size());
      assertEquals(List.of(), TransactionIndex.find(ds, Hash32.keccak(new byte[] {9})));
    }
  }
}
