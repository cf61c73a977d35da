package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.batch.BatchEntity;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.LocalRollup;
import zkchain.testing.TestNodes;

/**
 * Issue 8, item 4: a batch the node executed from the feed and that L1 then sequences with the
 * same data becomes Virtual with that result, not executed again; one L1 sequences with other
 * data (a trusted reorg) is executed a second time. Counted by the node itself: executions of its
 * feed door, and executed and promoted batches of its L1 derivation (/status).
 */
class ExecuteOnceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration STAGES = Duration.ofSeconds(120);

  @TempDir Path dir;

  @Test
  void aBatchSequencedWithTheDataTheFeedBroughtIsExecutedOnce() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir)) {
      SequencerRole sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.batch.max-transactions", 20));
      ZkChainNode node = rollup.startNode("node", List.of(sequencer.feedUrl()));
      long last = trustedBeforeL1(rollup, sequencer, node);

      JsonNode status = status(node);
      assertEquals(last, status.get("feed").get("executions").asLong(), "the feed door executed each batch once");
      assertEquals(0, status.get("l1").get("executedBatches").asLong(), "L1 executed none of them again");
      assertEquals(last, status.get("l1").get("promotedBatches").asLong(), "L1 took each one as executed");
      for (long n = 1; n <= last; n++) {
        assertEquals(BatchEntity.Stage.VIRTUAL, batch(node, n).stage(), "batch " + n);
        assertEquals(null, batch(node, n).current().trustedReorg());
      }
    }
  }

  @Test
  void aBatchSequencedWithOtherDataIsExecutedAgain() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir)) {
      // the test hook: batch 2 goes to L1 with an empty transactions list, not what the feed carried
      SequencerRole sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.test-hooks.sequence-divergent-batch", 2,
          "zkchain.sequencer.batch.max-transactions", 20));
      ZkChainNode node = rollup.startNode("node", List.of(sequencer.feedUrl()));
      long last = trustedBeforeL1(rollup, sequencer, node);

      JsonNode status = status(node);
      assertEquals(last, status.get("feed").get("executions").asLong(), "the feed door executed each batch once");
      // batch 1 is taken as executed; batch 2 has other data, and every batch after it another parent
      assertEquals(1, status.get("l1").get("promotedBatches").asLong(), "only batch 1 was not executed again");
      assertEquals(last - 1, status.get("l1").get("executedBatches").asLong(), "batch 2 and every one after it");
      assertEquals(List.of("transactions"), batch(node, 2).current().trustedReorg().differingFields());
    }
  }

  /**
   * Sends transfers while L1 mines nothing, so the node has every batch Trusted from the feed
   * before L1 sequences any; then lets L1 mine until the node has them all Virtual. Returns the
   * last batch.
   */
  static long trustedBeforeL1(LocalRollup rollup, SequencerRole sequencer, ZkChainNode node) throws Exception {
    rollup.anvil().pauseMining();
    rollup.sendTransfers(60);
    long[] last = {0};
    assertTrue(TestNodes.eventually(STAGES, () -> {
      last[0] = sequencer.sequencer().head().toCompletableFuture().join().number();
      return last[0] >= 3 && status(node).get("heads").get("trusted").asLong() == last[0]
          && status(node).get("feed").get("executions").asLong() == last[0];
    }), "every closed batch Trusted on the node before L1 mines: " + last[0]);
    rollup.anvil().mineEverySecond();
    assertTrue(TestNodes.eventually(STAGES, () -> status(node).get("heads").get("virtual").asLong() == last[0]),
        "every batch Virtual");
    return last[0];
  }

  static JsonNode status(ZkChainNode node) {
    try {
      return JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static BatchEntity.State batch(ZkChainNode node, long n) {
    return BatchEntity.ref(node.system(), n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT).toCompletableFuture().join();
  }
}
