package zkchain.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.node.Database;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.testing.TestDatabases;

/** sequencer_batch on both databases, with the schema the node applies on every start. */
class SequencerBatchStoreTest {
  static final Credentials KEY = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));

  @Test
  void onH2() {
    String url = "jdbc:h2:mem:store-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;DATABASE_TO_UPPER=false";
    check(Map.of("zkchain.db.kind", "h2", "zkchain.db.url", url), url, "sa", "");
  }

  @Test
  void onPostgres() {
    try (var pg = TestDatabases.freshPgSchema()) {
      check(pg.zkchainDbConfig(), pg.url(), TestDatabases.PG_USER, TestDatabases.PG_PASSWORD);
    }
  }

  private static void check(Map<String, Object> db, String url, String user, String password) {
    var config = ConfigFactory.parseMap(db).withFallback(ConfigFactory.load());
    Database.applySchema(config);
    Database.applySchema(config); // idempotent: applied on every start
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(url);
    hc.setUsername(user);
    hc.setPassword(password);
    hc.setMaximumPoolSize(2);
    try (HikariDataSource ds = new HikariDataSource(hc)) {
      SequencerBatchStore store = new SequencerBatchStore(ds);
      assertEquals(Optional.empty(), store.last());
      List<BatchMessage> batches = List.of(message(1), message(2), message(3));
      batches.forEach(store::insert);
      assertThrows(IllegalStateException.class, () -> store.insert(message(2)), "a number closes once");
      assertEquals(Optional.of(batches.get(2)), store.last());
      assertEquals(batches.subList(1, 3), store.from(2, 10));
      assertEquals(batches.subList(0, 2), store.from(1, 2));
      String tx = "0x" + "ab".repeat(32);
      store.markSequenced(1, 2, tx);
      assertEquals(Optional.of(tx), store.l1TxHash(2));
      assertEquals(Optional.empty(), store.l1TxHash(3));
    }
  }

  private static BatchMessage message(long number) {
    Batch batch = new Batch(number, new byte[] {(byte) 0xc0}, 1_767_225_600L + number,
        Address.of(KEY.getAddress()));
    return BatchMessage.signed(1001, batch, Hash32.keccak(new byte[] {(byte) number}), Hash32.ZERO,
        KEY.getEcKeyPair());
  }
}
