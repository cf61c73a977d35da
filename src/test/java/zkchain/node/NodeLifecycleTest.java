package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.testing.TestNodes.ask;
import static zkchain.testing.TestNodes.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.utils.Numeric;
import zkchain.batch.BatchEntity.BatchData;
import zkchain.batch.BatchEntity.Consolidate;
import zkchain.batch.BatchEntity.L1Ref;
import zkchain.batch.BatchEntity.RecordTrusted;
import zkchain.batch.BatchEntity.Source;
import zkchain.batch.BatchEntity.UndoL1Block;
import zkchain.batch.BatchEntity.Virtualize;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * A batch through its whole life on a real node (H2, then PostgreSQL): Trusted, Virtual with a
 * trusted reorg, Consolidated, undone by an L1 reorg, Consolidated again. Then the actor system
 * stops, and a new one on the same database serves the same state, history and events over HTTP.
 */
class NodeLifecycleTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String COINBASE = "0x" + "c0".repeat(20);
  static final BatchData FEED = new BatchData("0xc0", 1_767_225_600L, COINBASE, Source.FEED);
  static final BatchData L1 = new BatchData("0xc20102", 1_767_225_600L, "0x" + "c1".repeat(20), Source.L1);
  static final String TRUSTED_ROOT = "0x" + "aa".repeat(32);
  static final String L1_ROOT = "0x" + "bb".repeat(32);
  static final String ACC = "0x" + "0a".repeat(32);
  static final L1Ref SEQ = new L1Ref(20, "0x" + "11".repeat(32), "0x" + "12".repeat(32), 0);
  static final L1Ref VERIFY = new L1Ref(21, "0x" + "21".repeat(32), "0x" + "22".repeat(32), 1);
  static final L1Ref VERIFY_AGAIN = new L1Ref(22, "0x" + "31".repeat(32), "0x" + "32".repeat(32), 0);

  @TempDir Path dataDir;

  @Test
  void lifecycleOnH2() throws Exception {
    runLifecycle(Map.of());
  }

  @Test
  void lifecycleOnPostgres() throws Exception {
    try (var pg = TestDatabases.freshPgSchema()) {
      runLifecycle(pg.zkchainDbConfig());
    }
  }

  void runLifecycle(Map<String, Object> db) throws Exception {
    Config config = TestNodes.config(dataDir, db);
    String batchBefore;
    String eventsBefore;
    try (ZkChainNode node = ZkChainNode.start(config)) {
      var system = node.system();
      ask(system, 1, r -> new RecordTrusted(FEED, TRUSTED_ROOT, ACC, r)).toCompletableFuture().join();
      ask(system, 1, r -> new Virtualize(L1, L1_ROOT, ACC, SEQ, r)).toCompletableFuture().join();
      ask(system, 1, r -> new Consolidate(L1_ROOT, VERIFY, r)).toCompletableFuture().join();
      ask(system, 1, r -> new UndoL1Block(VERIFY.blockHash(), r)).toCompletableFuture().join();
      ask(system, 1, r -> new Consolidate(L1_ROOT, VERIFY_AGAIN, r)).toCompletableFuture().join();

      var batch = get(node.httpUrl() + "/batches/1");
      assertEquals(200, batch.status(), batch.body());
      JsonNode b = JSON.readTree(batch.body());
      assertEquals("consolidated", b.get("stage").asText());
      assertEquals(L1_ROOT, b.get("stateRoot").asText());
      assertEquals(L1_ROOT, b.get("verifiedRoot").asText());
      assertEquals("l1", b.get("data").get("source").asText());
      assertEquals(VERIFY_AGAIN.blockHash(), b.get("consolidatedL1").get("blockHash").asText());
      assertEquals(List.of("transactions", "coinbase"), texts(b.get("trustedReorg").get("differingFields")));
      assertEquals(Numeric.toHexString(FEED.transactions()),
          b.get("trustedReorg").get("trusted").get("transactions").asText());
      assertEquals(List.of("trusted-recorded", "trusted-reorg", "consolidated", "l1-reorg-undone", "consolidated"),
          texts(b.get("history"), "event"));
      batchBefore = batch.body();

      var events = get(node.httpUrl() + "/batches/1/events");
      assertEquals(200, events.status(), events.body());
      JsonNode e = JSON.readTree(events.body());
      assertEquals(List.of("TrustedRecorded", "Virtualized", "Consolidated", "L1BlockUndone", "Consolidated"),
          texts(e, "type"));
      assertEquals(List.of("1", "2", "3", "4", "5"), texts(e, "sequenceNumber"));
      assertEquals(Numeric.toHexString(FEED.transactions()),
          e.get(0).get("payload").get("data").get("transactions").asText());
      eventsBefore = events.body();

      assertHeads(node, 1, 1, 1);
      assertHttpErrors(node);
    }

    try (ZkChainNode node = ZkChainNode.start(config)) {
      assertEquals(batchBefore, get(node.httpUrl() + "/batches/1").body(), "same state and history after restart");
      assertEquals(eventsBefore, get(node.httpUrl() + "/batches/1/events").body(), "same journal after restart");
      assertHeads(node, 1, 1, 1);
    }
  }

  static void assertHeads(ZkChainNode node, long trusted, long virtual, long consolidated) {
    assertHeads(node, trusted, virtual, consolidated, Duration.ofSeconds(30));
  }

  static void assertHeads(ZkChainNode node, long trusted, long virtual, long consolidated, Duration timeout) {
    String expected = trusted + "/" + virtual + "/" + consolidated;
    String[] last = {""};
    boolean ok = TestNodes.eventually(timeout, () -> {
      try {
        JsonNode h = JSON.readTree(get(node.httpUrl() + "/status").body()).get("heads");
        last[0] = h.get("trusted").asLong() + "/" + h.get("virtual").asLong() + "/" + h.get("consolidated").asLong();
        return last[0].equals(expected);
      } catch (Exception ex) {
        return false;
      }
    });
    assertTrue(ok, "stage heads expected " + expected + " but were " + last[0]);
  }

  static void assertHttpErrors(ZkChainNode node) throws Exception {
    for (String path : List.of("/batches/abc", "/batches/-1", "/batches/1x/events", "/batches/99999999999999999999")) {
      var r = get(node.httpUrl() + path);
      assertEquals(400, r.status(), path + " -> " + r.body());
      assertTrue(JSON.readTree(r.body()).get("error").asText().contains("batch number"), r.body());
    }
    for (String path : List.of("/batches/424242", "/batches/424242/events", "/no-such-route")) {
      var r = get(node.httpUrl() + path);
      assertEquals(404, r.status(), path + " -> " + r.body());
      assertTrue(JSON.readTree(r.body()).has("error"), r.body());
    }
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  static List<String> texts(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.get(field).asText()));
    return out;
  }
}
