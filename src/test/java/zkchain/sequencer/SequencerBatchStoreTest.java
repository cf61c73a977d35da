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
import zkchain.infra.Database;
import zkchain.l1.L1Sender.SignedTransaction;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.sequencer.PendingTransactionStore.PendingTransaction;
import zkchain.testing.TestDatabases;

/**
 * sequencer_batch, sequencer_pending_tx and sequencer_l1_tx on both databases, with the schema the
 * node applies on every start.
 */
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

  @Test
  void pendingTransactionsAndTheSequencingTransactionInFlightOnH2() {
    String url = "jdbc:h2:mem:store-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;DATABASE_TO_UPPER=false";
    try (HikariDataSource ds = dataSource(Map.of("zkchain.db.kind", "h2", "zkchain.db.url", url), url, "sa", "")) {
      checkPendingAndInFlight(ds);
    }
  }

  @Test
  void pendingTransactionsAndTheSequencingTransactionInFlightOnPostgres() {
    try (var pg = TestDatabases.freshPgSchema();
        HikariDataSource ds = dataSource(pg.zkchainDbConfig(), pg.url(), TestDatabases.PG_USER, TestDatabases.PG_PASSWORD)) {
      checkPendingAndInFlight(ds);
    }
  }

  private static void checkPendingAndInFlight(HikariDataSource ds) {
    SequencerBatchStore store = new SequencerBatchStore(ds);
    PendingTransactionStore pending = new PendingTransactionStore(ds);
    List<PendingTransaction> admitted = List.of(tx(1), tx(2), tx(3));
    pending.append(admitted);
    assertEquals(admitted, pending.all());
    assertThrows(IllegalStateException.class, () -> pending.append(List.of(tx(4), tx(2))), "a seq is written once");
    assertEquals(admitted, pending.all(), "a failed group commit writes none of its transactions");

    // closing batch 1 over seq 1..2 removes them in the same database transaction
    store.close(message(1), 2);
    assertEquals(List.of(tx(3)), pending.all());
    assertThrows(IllegalStateException.class, () -> store.close(message(1), 3), "a number closes once");
    assertEquals(List.of(tx(3)), pending.all(), "a refused close leaves the pending transactions");
    store.recovered(message(2), "0x" + "cd".repeat(32), List.of(tx(3).hash()));
    assertEquals(List.of(), pending.all(), "a batch recovered from L1 takes its transactions out of the pending ones");
    assertEquals(Optional.of("0x" + "cd".repeat(32)), store.l1TxHash(2));

    assertEquals(Optional.empty(), store.inFlight());
    var first = new SequencingTransaction(new SignedTransaction("0x" + "01".repeat(32), 7, new byte[200_000]), 1, 1);
    store.recordInFlight(first);
    assertEquals(Optional.of(first), store.inFlight());
    var replacement = first.replacedBy(new SignedTransaction("0x" + "02".repeat(32), 7, new byte[] {1, 2, 3}));
    store.recordInFlight(replacement);
    assertEquals(Optional.of(replacement), store.inFlight(), "one transaction in flight, the latest recorded");
    store.sequenced(replacement);
    assertEquals(Optional.empty(), store.inFlight());
    assertEquals(Optional.of(replacement.signed().hash()), store.l1TxHash(1));
  }

  private static PendingTransaction tx(long seq) {
    return new PendingTransaction(seq, new byte[] {(byte) 0xf8, (byte) seq, 0x42});
  }

  private static HikariDataSource dataSource(Map<String, Object> db, String url, String user, String password) {
    var config = ConfigFactory.parseMap(db).withFallback(ConfigFactory.load());
    Database.applySchema(config);
    Database.applySchema(config); // idempotent: applied on every start
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(url);
    hc.setUsername(user);
    hc.setPassword(password);
    hc.setMaximumPoolSize(2);
    return new HikariDataSource(hc);
  }

  private static void check(Map<String, Object> db, String url, String user, String password) {
    try (HikariDataSource ds = dataSource(db, url, user, password)) {
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
