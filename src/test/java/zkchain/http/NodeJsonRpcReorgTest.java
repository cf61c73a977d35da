package zkchain.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.http.NodeJsonRpcTest.call;
import static zkchain.http.NodeJsonRpcTest.number;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.devnet.Anvil;
import zkchain.node.ZkChainNode;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.L1Workload;
import zkchain.testing.LocalRollup;
import zkchain.testing.TestNodes;

/**
 * Reorgs change what the node's JSON-RPC answers. A trusted reorg: L1 sequences batch 2 with other
 * data than the feed carried (the sequencer's test hook), so block 2 gets another hash, the old hash
 * names no block, the old version's transactions are no longer in it, and the tags follow. An L1
 * reorg: the orphaned sequencing takes its batches, their blocks and the tags back.
 */
class NodeJsonRpcReorgTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration STAGES = Duration.ofSeconds(90);

  @TempDir
  Path dir;

  @Test
  void aTrustedReorgChangesTheBlockItsHashAndTheTagsAnswered() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir)) {
      SequencerRole sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.test-hooks.sequence-divergent-batch", 2,
          "zkchain.sequencer.batch.max-transactions", 20));
      ZkChainNode node = rollup.startNode("node", List.of(sequencer.feedUrl()),
          Map.of("zkchain.rpc.enabled", true, "zkchain.rpc.port", 0));
      String rpc = node.rpcUrl().orElseThrow();
      // L1 holds the sequencing back until the node has batch 2 from the feed (EndToEndTest says why)
      rollup.anvil().pauseMining();
      rollup.sendTransfers(100);
      assertTrue(TestNodes.eventually(STAGES, () -> heads(node).get("trusted").asLong() >= 3));
      JsonNode before = call(rpc, "eth_getBlockByNumber", "0x2", false);
      assertTrue(before.get("transactions").size() > 0, before.toString());
      String oldTx = before.get("transactions").get(0).asText();
      assertEquals(before.get("hash"), call(rpc, "eth_getTransactionReceipt", oldTx).get("blockHash"));
      assertEquals(before.get("hash"), call(rpc, "eth_getBlockByHash", before.get("hash").asText(), false).get("hash"));

      rollup.anvil().mineEverySecond();
      assertTrue(TestNodes.eventually(STAGES, () -> heads(node).get("virtual").asLong() >= 3));
      JsonNode after = call(rpc, "eth_getBlockByNumber", "0x2", false);
      assertNotEquals(before.get("hash"), after.get("hash"), "the L1 version is another block");
      assertEquals(0, after.get("transactions").size(), "L1 sequenced batch 2 empty");
      assertTrue(call(rpc, "eth_getBlockByHash", before.get("hash").asText(), false).isNull(),
          "the replaced version's hash names no block");
      JsonNode receipt = call(rpc, "eth_getTransactionReceipt", oldTx);
      assertTrue(receipt.isNull() || !receipt.get("blockHash").equals(before.get("hash")), receipt.toString());
      JsonNode three = call(rpc, "eth_getBlockByNumber", "0x3", false);
      assertEquals(after.get("hash"), three.get("parentHash"), "block 3 follows the new block 2");
      JsonNode safe = call(rpc, "eth_getBlockByNumber", "safe", false);
      assertTrue(number(safe.get("number")) >= 3);
      assertEquals(safe.get("hash"), call(rpc, "eth_getBlockByNumber", safe.get("number").asText(), false).get("hash"));
    }
  }

  @Test
  void anL1ReorgTakesTheOrphanedBlocksAndTagsBack() throws Exception {
    Anvil anvil = L1Workload.startL1();
    try (L1Workload l1 = L1Workload.deploy(anvil)) {
      Path rollupFile = dir.resolve("rollup.json");
      l1.deployment().write(rollupFile);
      l1.transfersPerBatch(2).sequence(2, 5); // batches 1..10 in 5 L1 blocks
      l1.verify(4);
      ZkChainNode node = ZkChainNode.start(TestNodes.config(dir.resolve("node"), Map.of(
          "zkchain.l1.url", anvil.url(), "zkchain.l1.rollup-file", rollupFile.toString(),
          "zkchain.l1.poll-interval", "100ms", "zkchain.rpc.enabled", true, "zkchain.rpc.port", 0)));
      try {
        String rpc = node.rpcUrl().orElseThrow();
        assertTrue(TestNodes.eventually(STAGES, () -> heads(node).get("virtual").asLong() == 10
            && heads(node).get("consolidated").asLong() == 4));
        // a node that follows only L1: latest = safe
        assertEquals(10, number(call(rpc, "eth_getBlockByNumber", "latest", false).get("number")));
        assertEquals(10, number(call(rpc, "eth_getBlockByNumber", "safe", false).get("number")));
        assertEquals(10, number(call(rpc, "zkevm_virtualBatchNumber")));
        String tenHash = call(rpc, "eth_getBlockByNumber", "0xa", false).get("hash").asText();
        assertEquals(l1.root(10).hex(), call(rpc, "eth_getBlockByNumber", "0xa", false).get("stateRoot").asText());
        assertEquals(tenHash, call(rpc, "eth_getBlockByHash", tenHash, false).get("hash").asText());

        l1.reorg(5); // orphans the sequencing of batches 3..10 and the verification
        assertTrue(TestNodes.eventually(STAGES, () -> heads(node).get("virtual").asLong() == 2));
        assertEquals(2, number(call(rpc, "eth_getBlockByNumber", "latest", false).get("number")));
        assertEquals(2, number(call(rpc, "eth_blockNumber")));
        assertEquals(0, number(call(rpc, "zkevm_verifiedBatchNumber")));
        assertTrue(call(rpc, "eth_getBlockByNumber", "0x3", false).isNull(), "batch 3 is no block any more");
        assertTrue(call(rpc, "eth_getBlockByHash", tenHash, false).isNull(), "nor is the old block 10");
        assertTrue(call(rpc, "zkevm_getBatchByNumber", "0x3").isNull());
      } finally {
        node.close();
      }
    } finally {
      anvil.close();
    }
  }

  static JsonNode heads(ZkChainNode node) {
    try {
      return JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body()).get("heads");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
