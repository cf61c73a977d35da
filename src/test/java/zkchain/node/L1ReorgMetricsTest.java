package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.devnet.Anvil;
import zkchain.testing.L1Workload;
import zkchain.testing.PrometheusText;
import zkchain.testing.TestNodes;

/**
 * An L1 reorg made on anvil with anvil_reorg shows on the node's /metrics: zkchain_l1_reorgs_total
 * counts it and zkchain_l1_reorg_depth records its depth, the depth /status reports. Every block
 * the reorgs replace carries a rollup event the node processed (or is the last block it read),
 * so the depth the node sees is the depth given to anvil_reorg.
 */
class L1ReorgMetricsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  Anvil anvil;
  L1Workload l1;
  ZkChainNode node;

  @BeforeEach
  void start() throws Exception {
    anvil = L1Workload.startL1();
    l1 = L1Workload.deploy(anvil);
    Path rollupFile = dir.resolve("rollup.json");
    l1.deployment().write(rollupFile);
    node = ZkChainNode.start(TestNodes.config(dir.resolve("node"), Map.of(
        "zkchain.l1.url", anvil.url(),
        "zkchain.l1.rollup-file", rollupFile.toString(),
        "zkchain.l1.poll-interval", "100ms",
        "zkchain.l1.retry.min-backoff", "100ms")));
  }

  @AfterEach
  void stop() {
    if (node != null) node.close();
    l1.close();
    anvil.close();
  }

  /** The web page's strip of recent batches. */
  JsonNode strip() {
    try {
      return JSON.readTree(TestNodes.get(node.httpUrl() + "/batches").body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  JsonNode l1Status() {
    try {
      return JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body()).path("l1");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  PrometheusText metrics() {
    var r = TestNodes.get(node.httpUrl() + "/metrics");
    assertEquals(200, r.status(), r.body());
    return PrometheusText.parse(r.body());
  }

  /** Waits until the node has processed L1's latest block with the given Virtual head. */
  void awaitCaughtUp(long virtual) {
    long latest = l1.latestBlock().getNumber().longValueExact();
    String[] seen = {""};
    assertTrue(TestNodes.eventually(WAIT, () -> {
      JsonNode s = l1Status();
      seen[0] = s.toString();
      return s.path("processedBlock").asLong() == latest && s.path("virtualHead").asLong() == virtual;
    }), "expected L1 block " + latest + " processed with Virtual head " + virtual + ": " + seen[0]);
  }

  /** Waits for the reorg count on /metrics, then checks it against /status. */
  PrometheusText awaitReorgs(long reorgs) {
    PrometheusText[] m = {null};
    assertTrue(TestNodes.eventually(WAIT, () -> {
      m[0] = metrics();
      return m[0].value("zkchain_l1_reorgs_total") == reorgs;
    }), "zkchain_l1_reorgs_total never reached " + reorgs);
    assertEquals(reorgs, l1Status().get("reorgs").asLong());
    assertEquals(reorgs, (long) m[0].value("zkchain_l1_reorg_depth_count"));
    return m[0];
  }

  @Test
  void anAnvilReorgShowsInTheReorgCountAndTheDepthHistogram() {
    l1.transfersPerBatch(1).sequence(1, 4); // batches 1..4, one L1 block each
    awaitCaughtUp(4);
    PrometheusText before = metrics();
    assertEquals(0, before.value("zkchain_l1_reorgs_total"));
    assertEquals(0, before.value("zkchain_l1_reorg_depth_count"));
    assertEquals(0, before.value("zkchain_l1_reorg_depth_sum"));

    l1.reorg(3); // the blocks of batches 2, 3 and 4 replaced by empty ones
    PrometheusText afterFirst = awaitReorgs(1);
    assertEquals(3, l1Status().get("lastReorgDepth").asLong());
    assertEquals(3, afterFirst.value("zkchain_l1_reorg_depth_sum"));
    assertEquals(0, afterFirst.value("zkchain_l1_reorg_depth_bucket", "le", "2.0"));
    assertEquals(1, afterFirst.value("zkchain_l1_reorg_depth_bucket", "le", "3.0"));
    assertEquals(1, afterFirst.value("zkchain_l1_reorg_depth_bucket", "le", "+Inf"));

    awaitCaughtUp(1); // the node read up to the new latest block
    // the web page's strip marks the batches the reorg undid, and forgets when they had become Virtual
    assertTrue(TestNodes.eventually(WAIT, () -> {
      JsonNode cells = strip();
      return cells.size() == 4 && !cells.get(0).get("l1Undone").asBoolean() && cells.get(0).hasNonNull("virtualAt")
          && cells.get(0).get("trustedAt").asLong() == cells.get(0).get("virtualAt").asLong()
          && java.util.stream.IntStream.range(1, 4).allMatch(i -> cells.get(i).get("l1Undone").asBoolean()
              && cells.get(i).get("virtualAt").isNull() && "none".equals(cells.get(i).get("stage").asText()));
    }), "batches 2 to 4 marked undone on /batches: " + TestNodes.get(node.httpUrl() + "/batches").body());
    l1.reorg(1);
    PrometheusText afterSecond = awaitReorgs(2);
    assertEquals(1, l1Status().get("lastReorgDepth").asLong());
    assertEquals(4, afterSecond.value("zkchain_l1_reorg_depth_sum"));
    assertEquals(1, afterSecond.value("zkchain_l1_reorg_depth_bucket", "le", "1.0"));
    assertEquals(1, afterSecond.value("zkchain_l1_reorg_depth_bucket", "le", "2.0"));
    assertEquals(2, afterSecond.value("zkchain_l1_reorg_depth_bucket", "le", "3.0"));
  }
}
