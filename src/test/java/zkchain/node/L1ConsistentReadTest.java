package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.devnet.Anvil;
import zkchain.testing.JsonRpcProxy;
import zkchain.testing.L1Workload;
import zkchain.testing.TestNodes;

/**
 * Issue 13, item 3: what a node reads from L1 in one step must come from one chain, and an
 * inconsistency that slipped through an earlier step (logs missing for a block it recorded) is
 * found by reading again, never looped on. The node reads anvil through a JSON-RPC proxy that acts
 * between its reads.
 */
class L1ConsistentReadTest {
  @TempDir Path dir;
  Anvil anvil;
  L1Workload l1;
  JsonRpcProxy proxy;
  ZkChainNode node;

  @BeforeEach
  void start() throws Exception {
    anvil = L1Workload.startL1();
    l1 = L1Workload.deploy(anvil);
    proxy = JsonRpcProxy.to(anvil.url());
    Path rollupFile = dir.resolve("rollup.json");
    l1.deployment().write(rollupFile);
    l1.sequence(3, 2);
    node = ZkChainNode.start(TestNodes.config(dir.resolve("node"), Map.of(
        "zkchain.l1.url", proxy.url(),
        "zkchain.l1.rollup-file", rollupFile.toString(),
        "zkchain.l1.poll-interval", "100ms",
        "zkchain.l1.retry.min-backoff", "100ms",
        "zkchain.l1.retry.max-backoff", "1s")));
    L1SyncTest.awaitHeads(node, 6, 0);
  }

  @AfterEach
  void stop() {
    if (node != null) node.close();
    proxy.close();
    l1.close();
    anvil.close();
  }

  @Test
  void aReorgBetweenTheLogsAndTheBlockReadIsReadAgain() throws Exception {
    // The node reads the logs of a new empty block; before it reads that block, L1 replaces it with
    // one that sequences batches 7..9. Recording the new block without its log would lose them.
    proxy.afterNext("eth_getLogs", () -> l1.sequenceByReplacingLatestBlock(3));
    l1.mine(1);
    assertTrue(TestNodes.eventually(Duration.ofSeconds(30), () -> proxy.hooksRun() == 1), "the reorg ran");
    l1.sequence(3, 1);

    L1SyncTest.awaitHeads(node, 12, 0);
    assertEachBatchVirtualizedOnce(12);
  }

  @Test
  void logsMissingFromAnEarlierReadAreFoundByReadingAgain() throws Exception {
    // An L1 provider answers one eth_getLogs without the SequenceBatches of batches 7..9 (a lagging
    // backend); the node records that block empty and only notices at the next sequencing.
    proxy.rewriteNext("eth_getLogs", answer -> ((ObjectNode) answer).set("result",
        JsonNodeFactory.instance.arrayNode()));
    l1.sequence(3, 1);
    assertTrue(TestNodes.eventually(Duration.ofSeconds(30), () -> proxy.hooksRun() == 1), "the logs were dropped");
    l1.sequence(3, 1);

    L1SyncTest.awaitHeads(node, 12, 0);
    assertEachBatchVirtualizedOnce(12);
    l1.verifyAll();
    L1SyncTest.awaitHeads(node, 12, 12);
    for (long n = 1; n <= 12; n++) {
      assertEquals(l1.root(n).hex(), L1SyncTest.batch(node, n).current().stateRoot(), "state root of batch " + n);
    }
  }

  void assertEachBatchVirtualizedOnce(long upTo) throws Exception {
    for (long n = 1; n <= upTo; n++) {
      assertEquals(List.of("Virtualized"), L1SyncTest.eventTypes(node, n), "events of batch " + n);
    }
  }
}
