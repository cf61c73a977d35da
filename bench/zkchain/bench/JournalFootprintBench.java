package zkchain.bench;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.batch.BatchEntity;
import zkchain.feed.JdbcFeedLog;
import zkchain.infra.Database;
import zkchain.node.JournalTransactions;
import zkchain.node.ZkChainNode;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.protocol.Txs;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * What a batch of 100 transfers costs a node that follows the feed and L1, on disk and on the
 * heap: each batch is recorded Trusted from the feed and relayed in the node's feed log, made
 * Virtual from L1 with the same data, then Consolidated, as the doors do. Prints the bytes per
 * batch of the journal (events, tags, snapshots) and of the feed log against the raw transaction
 * bytes: PostgreSQL's relation sizes (TOAST and indexes included), and H2's database file after
 * SHUTDOWN COMPACT less an empty node's (H2 stores BLOBs apart from their table, so its per-table
 * figures leave them out). Then the heap the batch entities hold per batch after a full GC, and
 * how fast the feed log serves the batches again from the start (a relay rebuilds each from its
 * journal). Asserts nothing. Run:
 *
 * <pre>mvn -o -q -Pbench test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.JournalFootprintBench -Dbatches=500</pre>
 *
 * <p>The heap figure is the PostgreSQL run's to read: embedded H2 keeps its page cache on the same
 * heap, so the H2 run's heap figure includes that cache.
 */
public final class JournalFootprintBench {
  static final int BATCHES = Integer.getInteger("batches", 500);
  static final int TRANSFERS = 100;
  /** Batch entities addressed at once, as the L1 door's delivery-parallelism does. */
  static final int IN_FLIGHT = 32;
  static final List<String> TABLES = List.of("event_journal", "event_tag", "snapshot", "feed_batch");

  public static void main(String[] args) throws Exception {
    List<BatchMessage> batches = batches(BATCHES);
    long raw = batches.stream().mapToLong(m -> m.batch().transactions().length).sum();
    System.out.printf("%d batches of %d transfers: %,d raw transaction bytes per batch%n", BATCHES, TRANSFERS,
        raw / BATCHES);
    run("H2", Map.of(), batches, raw);
    try (var pg = TestDatabases.freshPgSchema()) {
      run("PostgreSQL", pg.zkchainDbConfig(), batches, raw);
    }
    System.out.println(PhysicalLimits.nativeRecoveryLine(Duration.ofSeconds(6)));
    System.exit(0);
  }

  static void run(String name, Map<String, Object> db, List<BatchMessage> batches, long raw) throws Exception {
    Path dir = Files.createTempDirectory("zkchain-journal-footprint");
    var config = TestNodes.config(dir.resolve("node"), db);
    Map<String, Long> tables;
    long heap;
    try (ZkChainNode node = ZkChainNode.start(config)) {
      ActorSystem<?> system = node.system();
      JdbcFeedLog feedLog = feedLog(system);
      long heapBefore = heapAfterFullGc();
      for (BatchMessage m : batches) {
        long n = m.batch().number();
        // Trusted from the feed, then relayed: the feed log takes a batch only after its node did
        TestNodes.ask(system, n, r -> new BatchEntity.RecordTrusted(data(m, BatchEntity.Source.FEED),
            m.stateRoot().hex(), m.accInputHash().hex(), r)).toCompletableFuture().join();
        feedLog.append(m);
      }
      inWindows(batches, m -> TestNodes.ask(system, m.batch().number(), r -> new BatchEntity.Virtualize(
          data(m, BatchEntity.Source.L1), m.stateRoot().hex(), m.accInputHash().hex(), l1Ref(m, 1), r)));
      inWindows(batches, m -> TestNodes.ask(system, m.batch().number(),
          r -> new BatchEntity.Consolidate(m.stateRoot().hex(), l1Ref(m, 2), r)));
      heap = heapAfterFullGc() - heapBefore;
      long start = System.nanoTime();
      int served = feedLog.from(1).take(batches.size()).runWith(akka.stream.javadsl.Sink.seq(), system)
          .toCompletableFuture().join().size();
      System.out.printf("%s: the feed log serves %d batches from the start at %,.0f batches/s%n", name, served,
          served / ((System.nanoTime() - start) / 1e9));
      tables = Database.get(system).kind() == Database.Kind.POSTGRES ? pgSizes(Database.get(system).dataSource()) : null;
      System.out.printf("%s: event payloads (mean bytes): %s%n", name, payloads(Database.get(system)));
    }
    int count = batches.size();
    if (tables != null) {
      long batchData = tables.values().stream().mapToLong(Long::longValue).sum();
      System.out.printf("%s: journal and feed log %,d bytes per batch = %.2f x the raw transactions (%s)%n", name,
          batchData / count, (double) batchData / raw, perBatch(tables, count));
    } else {
      long asLeft = h2FileSize(dir.resolve("node"));
      long compacted = h2Compacted(config) - h2Compacted(TestNodes.config(emptyNode(dir), Map.of()));
      System.out.printf("%s: journal and feed log %,d bytes per batch = %.2f x the raw transactions (database file "
              + "after SHUTDOWN COMPACT, less an empty node's; the stage heads' rows included)%n",
          name, compacted / count, (double) compacted / raw);
      System.out.printf("%s: the database file as the node left it: %,d bytes per batch (H2 reclaims space by "
          + "compacting)%n", name, asLeft / count);
    }
    System.out.printf("%s: heap held %,d bytes per batch after a full GC (%d batch entities alive)%n", name,
        heap / count, count);
  }

  /** A node started and stopped with no batch: the fixed size of an H2 database. */
  static Path emptyNode(Path dir) {
    Path empty = dir.resolve("empty");
    ZkChainNode.start(TestNodes.config(empty, Map.of())).close();
    return empty;
  }

  static long h2FileSize(Path dataDir) throws Exception {
    try (Stream<Path> files = Files.walk(dataDir.resolve("db"))) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  /** The H2 file's size once H2 rewrote it without free space. */
  static long h2Compacted(com.typesafe.config.Config config) throws Exception {
    var db = Database.Settings.from(config);
    try (Connection c = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password());
         var st = c.createStatement()) {
      st.execute("SHUTDOWN COMPACT");
    }
    return h2FileSize(Path.of(config.getString("zkchain.data-dir")));
  }

  /** The node's feed log as its feed door builds it. */
  static JdbcFeedLog feedLog(ActorSystem<?> system) {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    return new JdbcFeedLog(Database.get(system).dataSource(), blocking, system.settings().config(),
        new JournalTransactions(system));
  }

  static BatchEntity.BatchData data(BatchMessage m, BatchEntity.Source source) {
    return BatchEntity.BatchData.of(m.batch(), source);
  }

  static BatchEntity.L1Ref l1Ref(BatchMessage m, int kind) {
    long n = m.batch().number();
    String h = String.format("%062x", n * 4 + kind);
    return new BatchEntity.L1Ref(1000 + n, "0x" + kind + "a" + h, "0x" + kind + "b" + h, 0);
  }

  static void inWindows(List<BatchMessage> batches, Function<BatchMessage, java.util.concurrent.CompletionStage<?>> ask) {
    for (int i = 0; i < batches.size(); i += IN_FLIGHT) {
      CompletableFuture.allOf(batches.subList(i, Math.min(batches.size(), i + IN_FLIGHT)).stream()
          .map(m -> ask.apply(m).toCompletableFuture()).toArray(CompletableFuture[]::new)).join();
    }
  }

  /** Bytes each table of batch data takes in PostgreSQL, its TOAST and indexes included. */
  static Map<String, Long> pgSizes(DataSource ds) throws Exception {
    Map<String, Long> out = new LinkedHashMap<>();
    try (Connection c = ds.getConnection()) {
      for (String table : TABLES) {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_total_relation_size('" + table + "')");
             ResultSet rs = ps.executeQuery()) {
          rs.next();
          out.put(table, rs.getLong(1));
        }
      }
    }
    return out;
  }

  /** The mean serialized size of each kind of event, as the journal stores it. */
  static String payloads(Database db) throws Exception {
    String q = db.kind() == Database.Kind.H2 ? "\"" : "";
    List<String> out = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT " + q + "event_ser_manifest" + q + ", AVG(OCTET_LENGTH("
             + q + "event_payload" + q + ")) FROM " + q + "event_journal" + q + " GROUP BY " + q + "event_ser_manifest" + q
             + " ORDER BY 1");
         ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1).replace("zkchain.batch.BatchEntity$", "") + String.format(" %,.0f", rs.getDouble(2)));
      }
    }
    return String.join(", ", out);
  }

  static String perBatch(Map<String, Long> bytes, int batches) {
    List<String> parts = new ArrayList<>();
    bytes.forEach((table, b) -> parts.add(table + " " + String.format("%,d", b / batches)));
    return String.join(", ", parts);
  }

  static long heapAfterFullGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  /**
   * Signed batches of distinct legacy transfers from the ten dev accounts (roots are not executed:
   * neither the journal nor the feed log looks at them). A pool of transfers is signed once and
   * each batch takes its own run of them, so batches differ as real ones do.
   */
  static List<BatchMessage> batches(int count) {
    Credentials sequencer = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));
    List<Credentials> wallets = DevKeys.PRIVATE_KEYS.stream().map(Credentials::create).toList();
    int pool = Math.min(count * TRANSFERS, 3_000);
    List<byte[]> transfers = new ArrayList<>(pool);
    Map<Integer, Long> nonces = new HashMap<>();
    for (int t = 0; t < pool; t++) {
      int w = t % wallets.size();
      long nonce = nonces.merge(w, 1L, Long::sum);
      transfers.add(Txs.legacy(wallets.get(w), 1001, nonce, 1,
          Address.of(String.format("0x%040x", 0x10000 + t)), BigInteger.valueOf(1 + t)));
    }
    List<BatchMessage> out = new ArrayList<>(count);
    for (int n = 1; n <= count; n++) {
      List<byte[]> txs = new ArrayList<>(TRANSFERS);
      for (int t = 0; t < TRANSFERS; t++) txs.add(transfers.get((n * 37 + t) % pool));
      Batch batch = new Batch(n, BatchTransactions.encode(txs), 1_767_225_600L + n, Address.of(sequencer.getAddress()));
      Hash32 root = Hash32.keccak(("root " + n).getBytes());
      Hash32 acc = Hash32.keccak(("acc " + n).getBytes());
      out.add(BatchMessage.signed(1001, batch, root, acc, sequencer.getEcKeyPair()));
    }
    return out;
  }
}
