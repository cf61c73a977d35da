package zkchain.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.node.ZkChainNode;
import zkchain.testing.TestNodes;

/**
 * The trusted sequencer in a process of its own, killed with kill -9 and restarted on the same
 * database, against a real anvil: what it acknowledged and what it sent to L1 survive the kill.
 */
class SequencerKillTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration L1_WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void aSequencingTransactionPendingAtTheKillIsNotSentAgainByTheRestartedSequencer() throws Exception {
    try (SequencerJvmRollup r = new SequencerJvmRollup(dir, Map.of("zkchain.sequencer.batch.max-transactions", 5))) {
      r.startSequencer();
      try (TransferLoad load = new TransferLoad(r.rpcUrl(), 20)) {
        awaitAcknowledged(load, 20);
        long sequenced = r.head();
        assertTrue(TestNodes.eventually(L1_WAIT, () -> lastBatchSequenced(r) >= sequenced), "L1 follows the sequencer");

        r.pauseMining();
        long before = r.head();
        assertTrue(TestNodes.eventually(L1_WAIT, () -> headOf(r) > before && pending(r)),
            "a sequenceBatches transaction for the batches after " + before + " waits in L1's pool");
        r.killAndRestartSequencer();
        awaitAcknowledged(load, load.acknowledgedCount() + 20);
        // several sequencing intervals: time enough for a second transaction, if the sequencer sent one
        Thread.sleep(3_000);
        r.resumeMining();
        awaitAcknowledged(load, load.acknowledgedCount() + 10);
      }
      r.assertOnL1Once(awaitSequencedOnL1(r), Set.of());
    }
  }

  @Test
  void everyAcknowledgedTransactionSurvivesKillsUnderLoad() throws Exception {
    try (SequencerJvmRollup r = new SequencerJvmRollup(dir, Map.of("zkchain.sequencer.batch.max-delay", "2s"))) {
      r.startSequencer();
      Set<String> acknowledged;
      try (TransferLoad load = new TransferLoad(r.rpcUrl(), 150)) {
        for (int kill = 1; kill <= 2; kill++) {
          awaitAcknowledged(load, 300 * kill);
          r.killAndRestartSequencer();
        }
        awaitAcknowledged(load, load.acknowledgedCount() + 100);
        acknowledged = load.acknowledged();
      }
      long last = awaitSequencedOnL1(r);
      r.assertOnL1Once(last, acknowledged);
    }
  }

  /**
   * The acceptance test: three kills under load, one of them while the sequencer's L1
   * transaction is pending on a paused anvil; at the end every acknowledged transaction is in
   * exactly one batch on L1, no batch data is on L1 twice, no trusted reorg happened on a node
   * following the sequencer's feed and L1, and every batch's events hold each transition once.
   */
  @Test
  void threeKillsUnderLoadLeaveEveryAcknowledgedTransactionOnL1OnceWithoutATrustedReorg() throws Exception {
    try (SequencerJvmRollup r = new SequencerJvmRollup(dir, Map.of("zkchain.sequencer.batch.max-delay", "1s"))) {
      r.startSequencer();
      ZkChainNode node = r.rollup.startNode("node", List.of(r.feedUrl()));
      Set<String> acknowledged;
      try (TransferLoad load = new TransferLoad(r.rpcUrl(), 100)) {
        awaitAcknowledged(load, 300);
        r.killAndRestartSequencer();

        awaitAcknowledged(load, load.acknowledgedCount() + 200);
        r.pauseMining();
        long before = r.head();
        assertTrue(TestNodes.eventually(L1_WAIT, () -> headOf(r) > before && pending(r)),
            "a sequenceBatches transaction waits in L1's pool");
        r.killAndRestartSequencer();
        awaitAcknowledged(load, load.acknowledgedCount() + 100);
        r.resumeMining();

        awaitAcknowledged(load, load.acknowledgedCount() + 200);
        r.killAndRestartSequencer();
        awaitAcknowledged(load, load.acknowledgedCount() + 100);
        acknowledged = load.acknowledged();
      }
      long last = awaitSequencedOnL1(r);
      r.assertOnL1Once(last, acknowledged);

      SequencerJvmRollup.awaitTrustedAndVirtual(node, last);
      for (long n = 1; n <= last; n++) {
        JsonNode batch = JSON.readTree(TestNodes.get(node.httpUrl() + "/batches/" + n).body());
        assertTrue(batch.path("trustedReorg").isNull() || batch.path("trustedReorg").isMissingNode(),
            "batch " + n + " had a trusted reorg: " + batch.path("trustedReorg"));
        JsonNode events = JSON.readTree(TestNodes.get(node.httpUrl() + "/batches/" + n + "/events").body());
        Set<String> types = new HashSet<>();
        for (JsonNode e : events) assertTrue(types.add(e.path("type").asText()), "batch " + n + " events " + events);
      }
      SequencerJvmRollup.assertFeedMatchedL1(
          JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body()).path("feed").path("executed"));
    }
  }

  // ---- helpers ----

  private static void awaitAcknowledged(TransferLoad load, int count) {
    boolean reached = TestNodes.eventually(Duration.ofSeconds(60), () -> load.acknowledgedCount() >= count);
    assertTrue(reached, "the sequencer acknowledged " + load.acknowledgedCount() + " transfers, expected " + count
        + " (" + load.failed() + " sends failed)");
  }

  /** Waits until the load's last batch is closed and L1 has sequenced up to it; returns that batch. */
  private static long awaitSequencedOnL1(SequencerJvmRollup r) throws Exception {
    long last = r.awaitOpenBatchClosed();
    boolean onL1 = TestNodes.eventually(L1_WAIT, () -> lastBatchSequenced(r) >= last);
    assertTrue(onL1, "L1 sequenced up to " + lastBatchSequenced(r) + ", the sequencer closed " + last);
    Thread.sleep(2_000); // a sequencing transaction still pending, a second copy say, would be mined by now
    assertEquals(last, r.head(), "nothing was closed after the load");
    assertFalse(r.sequencingPending(), "no sequencing transaction is left in L1's pool");
    return last;
  }

  private static long lastBatchSequenced(SequencerJvmRollup r) {
    return r.view.lastBatchSequenced();
  }

  private static long headOf(SequencerJvmRollup r) {
    try {
      return r.head();
    } catch (IOException e) {
      return -1;
    }
  }

  private static boolean pending(SequencerJvmRollup r) {
    try {
      return r.sequencingPending();
    } catch (IOException e) {
      return false;
    }
  }
}
