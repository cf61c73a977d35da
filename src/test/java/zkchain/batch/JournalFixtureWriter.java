package zkchain.batch;

import static zkchain.testing.TestNodes.ask;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import zkchain.batch.BatchEntity.BatchData;
import zkchain.batch.BatchEntity.Consolidate;
import zkchain.batch.BatchEntity.DiscardTrusted;
import zkchain.batch.BatchEntity.L1Ref;
import zkchain.batch.BatchEntity.RecordTrusted;
import zkchain.batch.BatchEntity.Source;
import zkchain.batch.BatchEntity.UndoL1Block;
import zkchain.batch.BatchEntity.Virtualize;
import zkchain.infra.Database;
import zkchain.node.ZkChainNode;
import zkchain.testing.TestNodes;

/**
 * Writes src/test/resources/journal-v1: a journal made by the node as it was when the batch events
 * carried their transactions as hex text (before issue 8), with a few batches through every
 * transition and snapshots among them, as database-neutral rows (JSON lines, blobs in base64), and
 * what /batches/{n} and /batches/{n}/events answered then. JournalCompatibilityTest recovers it.
 * Run once, by hand, on that version: it is history, not regenerated.
 */
public final class JournalFixtureWriter {
  static final String COINBASE = "0x" + "c0".repeat(20);
  static final L1Ref SEQ_A = new L1Ref(20, "0x" + "11".repeat(32), "0x" + "12".repeat(32), 0);
  static final L1Ref SEQ_B = new L1Ref(23, "0x" + "13".repeat(32), "0x" + "14".repeat(32), 1);
  static final L1Ref VERIFY = new L1Ref(21, "0x" + "21".repeat(32), "0x" + "22".repeat(32), 1);
  static final L1Ref VERIFY_AGAIN = new L1Ref(22, "0x" + "31".repeat(32), "0x" + "32".repeat(32), 0);
  static final long BATCHES = 5;

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "src/test/resources/journal-v1");
    Path dataDir = Files.createTempDirectory("journal-fixture");
    ObjectMapper json = new ObjectMapper();
    var config = TestNodes.config(dataDir, Map.of("zkchain.batch.snapshot-every", 3));
    try (ZkChainNode node = ZkChainNode.start(config)) {
      var s = node.system();
      BatchData feed1 = data("0xc3820102", 1_767_225_600L, Source.FEED);
      BatchData l1Other = data("0xc0", 1_767_225_601L, Source.L1);
      // 1: Trusted, Virtual with the same data, Consolidated, undone by an L1 reorg, Consolidated again
      ask(s, 1, r -> new RecordTrusted(feed1, root("a1"), acc("01"), r)).toCompletableFuture().join();
      ask(s, 1, r -> new Virtualize(withSource(feed1, Source.L1), root("a1"), acc("01"), SEQ_A, r)).toCompletableFuture().join();
      ask(s, 1, r -> new Consolidate(root("a1"), VERIFY, r)).toCompletableFuture().join();
      ask(s, 1, r -> new UndoL1Block(VERIFY.blockHash(), r)).toCompletableFuture().join();
      ask(s, 1, r -> new Consolidate(root("a1"), VERIFY_AGAIN, r)).toCompletableFuture().join();
      // 2: a trusted reorg (L1 sequenced other data), then a verified root that differs: a mismatch
      ask(s, 2, r -> new RecordTrusted(data("0xc483010203", 1_767_225_601L, Source.FEED), root("a2"), acc("02"), r))
          .toCompletableFuture().join();
      ask(s, 2, r -> new Virtualize(l1Other, root("b2"), acc("b2"), SEQ_A, r)).toCompletableFuture().join();
      ask(s, 2, r -> new Consolidate(root("ee"), VERIFY_AGAIN, r)).toCompletableFuture().join();
      // 3: Trusted, discarded after the trusted reorg of 2, Trusted again with the resent version
      ask(s, 3, r -> new RecordTrusted(data("0xc20105", 1_767_225_602L, Source.FEED), root("a3"), acc("03"), r))
          .toCompletableFuture().join();
      ask(s, 3, r -> new DiscardTrusted(2, r)).toCompletableFuture().join();
      ask(s, 3, r -> new RecordTrusted(data("0xc20106", 1_767_225_602L, Source.FEED), root("c3"), acc("c3"), r))
          .toCompletableFuture().join();
      // 4: Virtual from L1 alone, Consolidated inside a verified range (no root of its own on L1)
      ask(s, 4, r -> new Virtualize(data("0xc20107", 1_767_225_603L, Source.L1), root("a4"), acc("04"), SEQ_B, r))
          .toCompletableFuture().join();
      ask(s, 4, r -> new Consolidate(null, VERIFY_AGAIN, r)).toCompletableFuture().join();
      // 5: Trusted, Virtual, undone (back to Trusted)
      ask(s, 5, r -> new RecordTrusted(data("0xc20108", 1_767_225_604L, Source.FEED), root("a5"), acc("05"), r))
          .toCompletableFuture().join();
      ask(s, 5, r -> new Virtualize(data("0xc20108", 1_767_225_604L, Source.L1), root("a5"), acc("05"), SEQ_B, r))
          .toCompletableFuture().join();
      ask(s, 5, r -> new UndoL1Block(SEQ_B.blockHash(), r)).toCompletableFuture().join();

      Files.createDirectories(out);
      ObjectNode expected = json.createObjectNode();
      for (long n = 1; n <= BATCHES; n++) {
        ObjectNode batch = json.createObjectNode();
        batch.set("batch", json.readTree(TestNodes.get(node.httpUrl() + "/batches/" + n).body()));
        batch.set("events", json.readTree(TestNodes.get(node.httpUrl() + "/batches/" + n + "/events").body()));
        expected.set(Long.toString(n), batch);
      }
      Files.writeString(out.resolve("expected.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(expected));
      try (Connection c = Database.get(s).dataSource().getConnection(); Statement st = c.createStatement()) {
        for (String table : List.of("event_journal", "event_tag", "snapshot")) {
          List<String> lines = new ArrayList<>();
          try (ResultSet rs = st.executeQuery("SELECT * FROM \"" + table + "\" ORDER BY 1, 2")) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
              ObjectNode row = json.createObjectNode();
              for (int i = 1; i <= md.getColumnCount(); i++) {
                Object v = rs.getObject(i);
                String col = md.getColumnName(i);
                if (v == null) row.putNull(col);
                else if (v instanceof byte[] b) row.put(col, Base64.getEncoder().encodeToString(b));
                else if (v instanceof java.sql.Blob b) row.put(col, Base64.getEncoder().encodeToString(b.getBytes(1, (int) b.length())));
                else if (v instanceof Number num) row.put(col, num.longValue());
                else if (v instanceof Boolean bool) row.put(col, bool);
                else row.put(col, v.toString());
              }
              lines.add(json.writeValueAsString(row));
            }
          }
          Files.write(out.resolve(table + ".jsonl"), lines, StandardCharsets.UTF_8);
          System.out.println(table + ": " + lines.size() + " rows");
        }
      }
    }
    System.out.println("journal fixture written to " + out.toAbsolutePath());
  }

  static BatchData data(String transactions, long timestamp, Source source) {
    return new BatchData(transactions, timestamp, COINBASE, source);
  }

  static BatchData withSource(BatchData d, Source source) {
    return new BatchData(d.transactions(), d.timestamp(), d.coinbase(), source);
  }

  static String root(String b) {
    return "0x" + b.repeat(32);
  }

  static String acc(String b) {
    return "0x" + b.repeat(32);
  }
}
