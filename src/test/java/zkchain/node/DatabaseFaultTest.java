package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.testing.TestNodes.ask;
import static zkchain.testing.TestNodes.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.batch.BatchEntity.RecordTrusted;
import zkchain.testing.TcpProxy;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * Issue 13, items 4 and 8: a node whose PostgreSQL is black-holed (connections open, no bytes)
 * keeps answering /status from memory and says the database is unreachable, /ready names it, and
 * once the database is back the stage heads move again by themselves, although every connection
 * open during the black hole stays dead.
 */
class DatabaseFaultTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration BLACK_HOLE = Duration.ofSeconds(22);

  @TempDir Path dir;

  @Test
  void aBlackHoledDatabaseIsReportedAndTheHeadsRecoverByThemselves() throws Exception {
    try (var pg = TestDatabases.freshPgSchema(); TcpProxy proxy = TcpProxy.to(TestDatabases.pgPort())) {
      Map<String, Object> settings = new HashMap<>(pg.zkchainDbConfigVia(proxy.port()));
      settings.put("zkchain.db.socket-timeout", "5s"); // the default (15 s) only makes the test longer
      try (ZkChainNode node = ZkChainNode.start(TestNodes.config(dir, settings))) {
        recordTrusted(node, 1, 3);
        NodeLifecycleTest.assertHeads(node, 3, 0, 0);
        assertEquals(200, get(node.httpUrl() + "/ready").status());

        long holeStart = System.nanoTime();
        proxy.blackHole();
        assertTrue(TestNodes.eventually(Duration.ofSeconds(15), () -> failing(node).contains("database")),
            "/ready names the database");
        // /status answers within the bound of this GET, from memory, and says what is degraded
        var status = get(node.httpUrl() + "/status", Duration.ofSeconds(2));
        assertEquals(200, status.status(), status.body());
        JsonNode body = JSON.readTree(status.body());
        assertEquals(false, body.get("database").get("reachable").asBoolean(), status.body());
        assertEquals("database", body.get("degraded").get(0).get("check").asText(), status.body());
        assertEquals(3, body.get("heads").get("trusted").asLong(), "the heads as last read");
        var ready = get(node.httpUrl() + "/ready", Duration.ofSeconds(2));
        assertEquals(503, ready.status());
        assertTrue(JSON.readTree(ready.body()).get("ready").isBoolean(), "JSON: " + ready.body());

        Thread.sleep(Math.max(0, BLACK_HOLE.toMillis() - Duration.ofNanos(System.nanoTime() - holeStart).toMillis()));
        proxy.up();
        // the journal's and the projection's connections from before are dead; new ones are made
        assertTrue(TestNodes.eventually(Duration.ofSeconds(60), () -> {
          try {
            recordTrusted(node, 4, 6);
            return true;
          } catch (RuntimeException e) {
            return false;
          }
        }), "batches are recorded again once the database is back");
        NodeLifecycleTest.assertHeads(node, 6, 0, 0, Duration.ofSeconds(90));
        assertTrue(TestNodes.eventually(Duration.ofSeconds(30), () -> get(node.httpUrl() + "/ready").status() == 200));
      }
    }
  }

  static void recordTrusted(ZkChainNode node, long from, long to) {
    for (long n = from; n <= to; n++) {
      ask(node.system(), n, r -> new RecordTrusted(NodeLifecycleTest.FEED, NodeLifecycleTest.TRUSTED_ROOT,
          NodeLifecycleTest.ACC, r)).toCompletableFuture().join();
    }
  }

  static List<String> failing(ZkChainNode node) {
    try {
      var r = get(node.httpUrl() + "/ready", Duration.ofSeconds(2));
      return NodeLifecycleTest.texts(JSON.readTree(r.body()).get("failing"));
    } catch (Exception e) {
      return List.of();
    }
  }
}
