package zkchain.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.testing.TestNodes.get;

import akka.actor.typed.ActorSystem;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import zkchain.DevKeys;
import zkchain.batch.BatchEntity;
import zkchain.batch.StageHeads;
import zkchain.devnet.Anvil;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.execution.JdbcNodeStore;
import zkchain.infra.Database;
import zkchain.node.TrustedExecution;
import zkchain.node.ZkChainNode;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Batch;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.FeedMessage;
import zkchain.protocol.Hash32;
import zkchain.testing.L1Workload;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * Replay of a journal a real node wrote while syncing a real anvil: more than 200 batches with
 * skipped transactions, a trusted reorg (feed batches that L1 then sequenced otherwise) and L1
 * reorgs in its history. Every root verifies; a journal tampered with by SQL stops replay at
 * exactly that batch; the node store and the read side rebuild from the journal alone; replay
 * refuses a database a node is running on, on H2 and on PostgreSQL.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration SYNC = Duration.ofSeconds(120);

  static Path dir;
  static Anvil anvil;
  static L1Workload l1;
  static Path rollupFile;
  static ZkChainNode node;
  static long last;
  static long reorgedBatch;
  static final List<Long> skippedBatches = new ArrayList<>();

  static Map<String, Object> settings() {
    return Map.of("zkchain.l1.url", anvil.url(), "zkchain.l1.rollup-file", rollupFile.toString(),
        "zkchain.l1.poll-interval", "100ms", "zkchain.l1.retry.min-backoff", "100ms");
  }

  static Config config() {
    return TestNodes.config(dir.resolve("node"), settings());
  }

  static ZkChainNode startNode() {
    return ZkChainNode.start(config());
  }

  @BeforeAll
  static void history() throws Exception {
    dir = Files.createTempDirectory("replay-test");
    anvil = L1Workload.startL1();
    l1 = L1Workload.deploy(anvil);
    rollupFile = dir.resolve("rollup.json");
    l1.deployment().write(rollupFile);
    node = startNode();

    l1.transfersPerBatch(3).sequence(10, 8); // 1..80
    // skipped transactions: a batch that is not an RLP list, and one whose one entry is no transaction
    l1.sequenceGarbage();
    skippedBatches.add(l1.lastBatchSequenced());
    l1.sequenceTransactions(BatchTransactions.encode(List.of(new byte[] {1, 2, 3})));
    skippedBatches.add(l1.lastBatchSequenced());
    l1.verify(l1.lastBatchSequenced());
    l1.sequence(10, 4); // ..122
    awaitHeads(l1.lastBatchSequenced(), l1.lastBatchSequenced(), 82);

    // L1 reorgs: the last two sequencing calls and then a verification are orphaned, and L1 goes on
    l1.reorg(2);
    awaitHeads(l1.lastBatchSequenced(), l1.lastBatchSequenced(), 82);
    l1.sequence(5, 2);
    l1.verify(l1.lastBatchSequenced());
    awaitHeads(l1.lastBatchSequenced(), l1.lastBatchSequenced(), l1.lastBatchSequenced());
    l1.reorg(1);
    l1.sequence(5, 1);
    awaitHeads(l1.lastBatchSequenced(), l1.lastBatchSequenced(), 82);

    // a trusted reorg: the feed brings three empty batches, L1 sequences the first with transfers
    long base = l1.lastBatchSequenced();
    Genesis genesis = Genesis.load(L1Workload.GENESIS_FILE);
    JdbcNodeStore store = new JdbcNodeStore(Database.get(node.system()).dataSource());
    Executor executor = new Executor(store, genesis.chainConfig());
    TrustedExecution feed = new TrustedExecution(node.system(), executor, genesis.write(store));
    var key = org.web3j.crypto.Credentials.create(DevKeys.key(DevKeys.SEQUENCER)).getEcKeyPair();
    Hash32 root = l1.root(base);
    Hash32 acc = l1.accInputHash(base);
    long ts = l1.batch(base).timestamp();
    // the feed's batches must follow what the node holds: replay them from genesis up to base first
    for (long n = 1; n <= base + 3; n++) {
      Batch b = n <= base ? l1.batch(n) : new Batch(n, BatchTransactions.encode(List.of()), ts, l1.coinbase());
      if (n > base) {
        root = executor.execute(root, b).stateRoot();
        acc = AccInputHash.next(acc, b);
        feed.apply(FeedMessage.BatchMessage.signed(genesis.chainId(), b, root, acc, key)).toCompletableFuture().join();
      } else {
        feed.apply(FeedMessage.BatchMessage.signed(genesis.chainId(), b, l1.root(n), l1.accInputHash(n), key))
            .toCompletableFuture().join();
      }
    }
    awaitHeads(base + 3, base, 82);
    reorgedBatch = base + 1;
    l1.sequence(1, 1); // L1's batch base+1 carries transfers, the feed's none: a trusted reorg
    awaitHeads(base + 1, base + 1, 82);
    l1.sequence(10, 9); // base+2 .. and on, L1 only
    l1.verifyAll();
    last = l1.lastBatchSequenced();
    awaitHeads(last, last, last);
    BatchEntity.State reorged = BatchEntity.ref(node.system(), reorgedBatch)
        .ask(BatchEntity.Get::new, TestNodes.TIMEOUT).toCompletableFuture().join();
    // L1's version carries transfers, the feed's none; its timestamp may differ too (L1's is its latest block's)
    assertTrue(reorged.current().trustedReorg().differingFields().contains("transactions"),
        "a trusted reorg of the transactions: " + reorged.current().trustedReorg().differingFields());
    assertTrue(last >= 200, "at least 200 batches, got " + last);
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
    l1.close();
    anvil.close();
  }

  static void awaitHeads(long trusted, long virtual, long consolidated) {
    String expected = trusted + "/" + virtual + "/" + consolidated;
    String[] seen = {""};
    boolean ok = TestNodes.eventually(SYNC, () -> {
      try {
        JsonNode h = JSON.readTree(get(node.httpUrl() + "/status").body()).get("heads");
        seen[0] = h.get("trusted").asLong() + "/" + h.get("virtual").asLong() + "/" + h.get("consolidated").asLong();
        return seen[0].equals(expected);
      } catch (Exception e) {
        return false;
      }
    });
    assertTrue(ok, "stage heads expected " + expected + " but were " + seen[0]);
  }

  record Run(int code, String out, String err) {}

  static Run replay(Replay.Options options) {
    return replay(config(), options);
  }

  static Run replay(Config config, Replay.Options options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Replay.run(config, options, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false);
    Run run = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    System.out.println(run.out() + run.err());
    return run;
  }

  @Test
  @Order(1)
  void refusesADatabaseANodeIsRunningOnH2() {
    Run run = replay(Replay.Options.verifyAll());
    assertEquals(Replay.IN_USE, run.code());
    assertTrue(run.err().contains("a node is running on this database"), run.err());
  }

  @Test
  @Order(2)
  void aRunningNodeReplaysOneBatchOnRequest() throws Exception {
    for (long n : List.of(1L, skippedBatches.get(0), skippedBatches.get(1), reorgedBatch, last)) {
      var r = get(node.httpUrl() + "/batches/" + n + "/replay");
      assertEquals(200, r.status(), r.body());
      JsonNode a = JSON.readTree(r.body());
      assertTrue(a.get("match").asBoolean(), r.body());
      assertEquals(l1.root(n).hex(), a.get("stateRoot").asText());
      assertEquals(l1.root(n).hex(), a.get("recomputedStateRoot").asText());
    }
    assertEquals(404, get(node.httpUrl() + "/batches/" + (last + 50) + "/replay").status());
  }

  @Test
  @Order(3)
  void theWholeJournalReplaysWithEveryRootVerified() {
    node.close();
    node = null;
    Run run = replay(Replay.Options.verifyAll());
    assertEquals(Replay.OK, run.code(), run.out() + run.err());
    assertTrue(run.out().contains("verified batches 1.." + last + ":"), run.out());
    assertTrue(run.out().contains("Consolidated roots match L1"), run.out());
    // --from and --to: a range, on the parent's journalled root
    Run range = replay(new Replay.Options(reorgedBatch - 5, reorgedBatch + 5, true, false, false));
    assertEquals(Replay.OK, range.code());
    assertTrue(range.out().contains("verified batches " + (reorgedBatch - 5) + ".." + (reorgedBatch + 5) + ":"),
        range.out());
  }

  @Test
  @Order(4)
  void rebuildingProjectionsEndsWithTheSameHeads() throws Exception {
    try (var ds = Snapshot.pool(config())) {
      StageHeads.Heads before = StageHeads.read(ds);
      assertEquals(new StageHeads.Heads(last, last, last, 0, null), before);
      long indexed = count(ds, "l2_transaction");
      assertTrue(indexed > 0);
      Run run = replay(new Replay.Options(1, 0, false, false, true));
      assertEquals(Replay.OK, run.code(), run.out() + run.err());
      assertTrue(run.out().contains("stage heads match the journal's batches"), run.out());
      assertEquals(before, StageHeads.read(ds));
      assertEquals(indexed, count(ds, "l2_transaction"), "the transaction index, rebuilt");
    }
  }

  @Test
  @Order(5)
  void rebuildingTheStateGivesEveryRootAndTheNodeSyncsOnFromIt() throws Exception {
    try (var ds = Snapshot.pool(config())) {
      try (Connection c = ds.getConnection()) {
        c.createStatement().executeUpdate("DELETE FROM trie_node"); // nothing left: the journal alone rebuilds it
      }
      JdbcNodeStore store = new JdbcNodeStore(ds);
      assertTrue(store.get(l1.root(last)).isEmpty());
      Run run = replay(new Replay.Options(1, 0, true, true, false));
      assertEquals(Replay.OK, run.code(), run.out() + run.err());
      for (long n = 0; n <= last; n++) assertTrue(store.get(l1.root(n)).isPresent(), "root of batch " + n);
    }

    node = startNode();
    l1.sequence(5, 2);
    l1.verifyAll();
    long next = l1.lastBatchSequenced();
    awaitHeads(next, next, next);
    for (long n = last + 1; n <= next; n++) {
      var r = JSON.readTree(get(node.httpUrl() + "/batches/" + n).body());
      assertEquals(l1.root(n).hex(), r.get("stateRoot").asText(), "batch " + n);
    }
    node.close();
    node = null;
    last = next;
  }

  @Test
  @Order(6)
  void aTamperedJournalStopsReplayAtExactlyThatBatch() throws Exception {
    long tampered = 50;
    Config config = config();
    byte[] original = l1.batch(tampered).transactions();
    List<byte[]> txs = new ArrayList<>(BatchTransactions.decode(original).orElseThrow());
    txs.remove(txs.size() - 1);
    byte[] changed = BatchTransactions.encode(txs);
    ActorSystem<Void> system = Replay.offlineSystem(config);
    try {
      Serialization serialization = SerializationExtension.get(system.classicSystem());
      DataSource ds = Database.get(system).dataSource();
      try (Connection c = ds.getConnection()) {
        PreparedStatement select = c.prepareStatement("SELECT sequence_number, event_ser_id, event_ser_manifest, "
            + "event_payload FROM event_journal WHERE persistence_id = ? ORDER BY sequence_number");
        select.setString(1, BatchEntity.persistenceId(tampered).id());
        ResultSet rs = select.executeQuery();
        assertTrue(rs.next());
        Object event = serialization.deserialize(rs.getBytes(4), rs.getInt(2), rs.getString(3)).get();
        var v = (BatchEntity.Virtualized) event; // an L1-only batch: its first event carries its transactions
        var d = v.data();
        var forged = new BatchEntity.Virtualized(v.number(), new BatchEntity.BatchData(changed, d.timestamp(),
            d.coinbase(), d.source()), v.stateRoot(), v.accInputHash(), v.l1(), v.differingFields(), v.trustedData(),
            v.at());
        PreparedStatement update = c.prepareStatement(
            "UPDATE event_journal SET event_payload = ? WHERE persistence_id = ? AND sequence_number = ?");
        update.setBytes(1, serialization.serialize(forged).get());
        update.setString(2, BatchEntity.persistenceId(tampered).id());
        update.setLong(3, rs.getLong(1));
        assertEquals(1, update.executeUpdate());
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().join();
    }
    Genesis genesis = Genesis.load(L1Workload.GENESIS_FILE);
    InMemoryNodeStore mem = new InMemoryNodeStore();
    Executor executor = new Executor(mem, genesis.chainConfig());
    Hash32 parent = genesis.write(mem);
    for (long n = 1; n < tampered; n++) parent = executor.execute(parent, l1.batch(n)).stateRoot();
    Batch b = l1.batch(tampered);
    Hash32 recomputed = executor.execute(parent, new Batch(tampered, changed, b.timestamp(), b.coinbase())).stateRoot();
    assertNotEquals(l1.root(tampered), recomputed);

    Run run = replay(Replay.Options.verifyAll());
    assertEquals(Replay.DIVERGED, run.code());
    assertTrue(run.out().contains("DIVERGENCE at batch " + tampered + "\n"), run.out());
    assertFalse(run.out().contains("DIVERGENCE at batch " + (tampered + 1)), run.out());
    assertTrue(run.out().contains("state root: journalled " + l1.root(tampered).hex() + ", recomputed "
        + recomputed.hex()), run.out());
    assertTrue(run.out().contains("Virtualized["), "the events that produced the data: " + run.out());
    assertEquals(Replay.OK, replay(new Replay.Options(1, tampered - 1, true, false, false)).code());

    // a running node's single-batch replay says the same
    node = startNode();
    var r = get(node.httpUrl() + "/batches/" + tampered + "/replay");
    JsonNode a = JSON.readTree(r.body());
    assertFalse(a.get("match").asBoolean(), r.body());
    assertEquals(recomputed.hex(), a.get("recomputedStateRoot").asText());
    assertEquals(l1.root(tampered).hex(), a.get("stateRoot").asText());
    node.close();
    node = null;
  }

  @Test
  @Order(7)
  void refusesADatabaseANodeIsRunningOnPostgres() throws Exception {
    try (TestDatabases.PgSchema pg = TestDatabases.freshPgSchema()) {
      Map<String, Object> db = new HashMap<>(pg.zkchainDbConfig());
      Config pgConfig = TestNodes.config(dir.resolve("pg"), db);
      ZkChainNode pgNode = ZkChainNode.start(pgConfig);
      try {
        Run refused = replay(pgConfig, Replay.Options.verifyAll());
        assertEquals(Replay.IN_USE, refused.code());
        assertTrue(refused.err().contains("a node is running on this database"), refused.err());
      } finally {
        pgNode.close();
      }
      assertEquals(Replay.OK, replay(pgConfig, Replay.Options.verifyAll()).code());
    }
  }

  static long count(DataSource ds, String table) throws Exception {
    try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

}
