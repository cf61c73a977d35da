package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static zkchain.testing.TestNodes.ask;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.stream.javadsl.Sink;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.batch.BatchEntity.BatchData;
import zkchain.batch.BatchEntity.L1Ref;
import zkchain.batch.BatchEntity.RecordTrusted;
import zkchain.batch.BatchEntity.Source;
import zkchain.batch.BatchEntity.Virtualize;
import zkchain.feed.JdbcFeedLog;
import zkchain.infra.Database;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * A node's feed log over its journal (as its feed door builds it): the batches the node took from
 * the feed are kept without their transactions, which its journal holds, and are served as the
 * very JSON the sequencer signed; a version the journal lacks (L1 overrode it) is kept whole.
 */
class RelayFromJournalTest {
  static final Credentials SEQUENCER = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));
  static final L1Ref SEQ = new L1Ref(20, "0x" + "11".repeat(32), "0x" + "12".repeat(32), 0);

  @TempDir Path dir;

  @Test
  void relaysByteIdenticalMessagesOnH2() throws Exception {
    relays(Map.of());
  }

  @Test
  void relaysByteIdenticalMessagesOnPostgres() throws Exception {
    try (var pg = TestDatabases.freshPgSchema()) {
      relays(pg.zkchainDbConfig());
    }
  }

  void relays(Map<String, Object> db) throws Exception {
    List<BatchMessage> feed = new ArrayList<>();
    for (long n = 1; n <= 4; n++) feed.add(signed(n, 3_000));
    try (ZkChainNode node = ZkChainNode.start(TestNodes.config(dir, db))) {
      ActorSystem<?> system = node.system();
      // 1-3 Trusted from the feed, 2 then Virtual with the same data (its event holds no transactions)
      for (int i = 0; i < 3; i++) {
        BatchMessage m = feed.get(i);
        ask(system, i + 1, r -> new RecordTrusted(BatchData.of(m.batch(), Source.FEED), m.stateRoot().hex(),
            m.accInputHash().hex(), r)).toCompletableFuture().join();
      }
      BatchMessage two = feed.get(1);
      ask(system, 2, r -> new Virtualize(BatchData.of(two.batch(), Source.L1), two.stateRoot().hex(),
          two.accInputHash().hex(), SEQ, r)).toCompletableFuture().join();
      // 4 Virtual from L1 with other transactions: the feed's version is relayed, its journal lacks them
      BatchMessage onL1 = signed(4, 1_000);
      ask(system, 4, r -> new Virtualize(BatchData.of(onL1.batch(), Source.L1), onL1.stateRoot().hex(),
          onL1.accInputHash().hex(), SEQ, r)).toCompletableFuture().join();

      JdbcFeedLog log = new JdbcFeedLog(Database.get(system).dataSource(),
          system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher")),
          system.settings().config(), new JournalTransactions(system));
      feed.forEach(log::appendOrReplace);

      assertEquals(List.of(false, false, false, true), wholeRows(Database.get(system).dataSource()));
      List<BatchMessage> served = log.from(1).take(4).runWith(Sink.seq(), system).toCompletableFuture().join();
      assertEquals(feed.stream().map(BatchMessage::toJson).toList(), served.stream().map(BatchMessage::toJson).toList(),
          "the JSON the node took from the feed, byte for byte");
    }
  }

  /** Batch {@code number} with {@code size} random bytes of transactions, signed by the sequencer. */
  static BatchMessage signed(long number, int size) {
    byte[] transactions = new byte[size];
    new Random(number * 31 + size).nextBytes(transactions);
    Batch batch = new Batch(number, transactions, 1_767_225_600L + number, Address.of(SEQUENCER.getAddress()));
    return BatchMessage.signed(1001, batch, Hash32.keccak(new byte[] {(byte) number, 1}),
        Hash32.keccak(new byte[] {(byte) number, 2}), SEQUENCER.getEcKeyPair());
  }

  /** Per row, whether it keeps the whole message rather than its fields without the transactions. */
  static List<Boolean> wholeRows(javax.sql.DataSource ds) throws Exception {
    List<Boolean> out = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT message FROM feed_batch ORDER BY number")) {
      while (rs.next()) out.add(rs.getString(1) != null);
    }
    return out;
  }
}
