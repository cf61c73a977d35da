package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.testing.TestNodes.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.devnet.Anvil;
import zkchain.testing.JsonRpcProxy;
import zkchain.testing.L1Workload;
import zkchain.testing.TestNodes;

/**
 * Issue 13, item 8: health that tells the truth. /ready is 503 with a JSON body naming the failing
 * check when the L1 sync halted for good; the L1 lag counts from the L1 head last seen while the
 * sync fails; every error is JSON, even for a request that does not parse; batch numbers are
 * ASCII digits only.
 */
class HealthTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  ZkChainNode startNode(String l1Url, Path rollupFile, Map<String, Object> extra) {
    var settings = new java.util.HashMap<String, Object>(Map.of(
        "zkchain.l1.url", l1Url,
        "zkchain.l1.rollup-file", rollupFile.toString(),
        "zkchain.l1.poll-interval", "100ms",
        "zkchain.l1.retry.min-backoff", "100ms",
        "zkchain.l1.retry.max-backoff", "500ms"));
    settings.putAll(extra);
    return ZkChainNode.start(TestNodes.config(dir.resolve("node"), settings));
  }

  @Test
  void anL1ReorgDeeperThanTheWindowHaltsTheSyncAndTheNodeIsNotReady() throws Exception {
    try (Anvil anvil = L1Workload.startL1(); L1Workload l1 = L1Workload.deploy(anvil)) {
      Path rollupFile = dir.resolve("rollup.json");
      l1.deployment().write(rollupFile);
      l1.sequence(1, 6);
      try (ZkChainNode node = startNode(anvil.url(), rollupFile, Map.of("zkchain.l1.reorg-window", 2))) {
        L1SyncTest.awaitHeads(node, 6, 0);
        assertEquals(200, get(node.httpUrl() + "/ready").status());

        l1.reorg(5);
        l1.sequence(1, 3);
        assertTrue(TestNodes.eventually(Duration.ofSeconds(30), () -> get(node.httpUrl() + "/ready").status() == 503));
        JsonNode ready = JSON.readTree(get(node.httpUrl() + "/ready").body());
        assertEquals(List.of("l1"), NodeLifecycleTest.texts(ready.get("failing")), ready.toString());
        JsonNode status = JSON.readTree(get(node.httpUrl() + "/status").body());
        assertTrue(status.get("l1").get("halted").asText().contains("deeper than the 2-block window"), status.toString());
        assertEquals("l1", status.get("degraded").get(0).get("check").asText());
        Thread.sleep(2_000);
        assertEquals(6, JSON.readTree(get(node.httpUrl() + "/status").body()).get("heads").get("virtual").asLong(),
            "a halted sync does not advance");
      }
    }
  }

  @Test
  void theL1LagCountsFromTheHeadLastSeenWhileTheSyncFails() throws Exception {
    try (Anvil anvil = L1Workload.startL1(); L1Workload l1 = L1Workload.deploy(anvil);
         JsonRpcProxy proxy = JsonRpcProxy.to(anvil.url())) {
      Path rollupFile = dir.resolve("rollup.json");
      l1.deployment().write(rollupFile);
      l1.sequence(1, 2);
      try (ZkChainNode node = startNode(proxy.url(), rollupFile, Map.of())) {
        L1SyncTest.awaitHeads(node, 2, 0);
        // the batches' calldata cannot be read: every step after this one fails
        proxy.rewriteEvery("eth_getTransactionByHash", answer -> {
          ObjectNode broken = JSON.createObjectNode().put("jsonrpc", "2.0");
          broken.set("id", answer.get("id"));
          broken.set("error", JSON.createObjectNode().put("code", -32000).put("message", "backend unavailable"));
          return broken;
        });
        l1.sequence(1, 1);
        l1.mine(20);
        assertTrue(TestNodes.eventually(Duration.ofSeconds(30), () -> l1Status(node).get("lag").asLong() >= 20
            && l1Status(node).get("lastError").textValue() != null), "lag and error " + l1Status(node));
        proxy.passThrough();
        L1SyncTest.awaitHeads(node, 3, 0);
        assertTrue(TestNodes.eventually(Duration.ofSeconds(30), () -> l1Status(node).get("lag").asLong() == 0));
      }
    }
  }

  @Test
  void everyErrorIsJsonAndBatchNumbersAreAsciiDigits() throws Exception {
    try (ZkChainNode node = ZkChainNode.start(TestNodes.config(dir.resolve("node"), Map.of()))) {
      NodeLifecycleTest.assertHttpErrors(node);
      for (String path : List.of("/batches/+1", "/batches/%D9%A1", "/batches/%EF%BC%91/events", "/batches/1%20")) {
        var r = get(node.httpUrl() + path);
        assertEquals(400, r.status(), path + " -> " + r.body());
        assertTrue(JSON.readTree(r.body()).get("error").asText().contains("ASCII digits"), r.body());
      }
      assertEquals(zkchain.protocol.Secp256k1.backend(),
          JSON.readTree(get(node.httpUrl() + "/status").body()).get("secp256k1").asText(), "which secp256k1 runs");
      var alive = get(node.httpUrl() + "/alive");
      assertEquals(200, alive.status());
      assertTrue(JSON.readTree(alive.body()).get("alive").asBoolean());
      var ready = get(node.httpUrl() + "/ready");
      assertEquals(200, ready.status(), ready.body());
      assertTrue(JSON.readTree(ready.body()).get("ready").asBoolean());

      // a request line akka-http cannot parse never reaches a route: still a JSON answer
      String raw = rawExchange(node.httpPort(), "GET /batches/1 HTTP/1.1 extra\r\nHost: x\r\n\r\n");
      assertTrue(raw.matches("(?s)HTTP/1\\.1 [45]\\d\\d .*"), raw);
      assertTrue(raw.contains("application/json"), raw);
      JsonNode body = JSON.readTree(raw.substring(raw.indexOf("\r\n\r\n") + 4));
      assertTrue(body.has("error"), raw);
      var method = TestNodes.post(node.httpUrl() + "/status", "{}");
      assertEquals(405, method.status(), method.body());
      assertTrue(JSON.readTree(method.body()).has("error"), method.body());
    }
  }

  static JsonNode l1Status(ZkChainNode node) {
    try {
      return JSON.readTree(get(node.httpUrl() + "/status").body()).get("l1");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String rawExchange(int port, String request) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      StringBuilder sb = new StringBuilder();
      int n;
      while ((n = in.read(buf)) > 0) {
        sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        int headerEnd = sb.indexOf("\r\n\r\n");
        if (headerEnd > 0) {
          var m = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(sb);
          if (m.find() && sb.length() >= headerEnd + 4 + Integer.parseInt(m.group(1))) break;
        }
      }
      return sb.toString();
    }
  }
}
