package zkchain.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.testing.TestNodes;

/**
 * The trusted sequencer in a process of its own, killed with kill -9 and restarted on the same
 * database, against a real anvil: what it acknowledged and what it sent to L1 survive the kill.
 */
class SequencerKillTest {
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
        r.sequencer.kill();
        r.startSequencer();
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
          r.sequencer.kill();
          r.startSequencer();
        }
        awaitAcknowledged(load, load.acknowledgedCount() + 100);
        acknowledged = load.acknowledged();
      }
      long last = awaitSequencedOnL1(r);
      r.assertOnL1Once(last, acknowledged);
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
