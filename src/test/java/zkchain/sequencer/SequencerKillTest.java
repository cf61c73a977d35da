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
      Thread.sleep(1_000); // the open batch closes
      long last = r.head();
      assertTrue(TestNodes.eventually(L1_WAIT, () -> lastBatchSequenced(r) >= last), "L1 sequenced every batch");
      Thread.sleep(2_000); // a second copy still pending would be mined by now
      r.assertOnL1Once(last, Set.of());
    }
  }

  // ---- helpers ----

  private static void awaitAcknowledged(TransferLoad load, int count) {
    boolean reached = TestNodes.eventually(Duration.ofSeconds(60), () -> load.acknowledgedCount() >= count);
    assertTrue(reached, "the sequencer acknowledged " + load.acknowledgedCount() + " transfers, expected " + count
        + " (" + load.failed() + " sends failed)");
  }

  /** Waits until the sequencer's head stops moving and L1 has sequenced up to it; returns that head. */
  private static long awaitSequencedOnL1(SequencerJvmRollup r) throws Exception {
    Thread.sleep(1_500); // the last open batch closes
    long last = r.head();
    boolean onL1 = TestNodes.eventually(L1_WAIT, () -> lastBatchSequenced(r) >= last);
    assertTrue(onL1, "L1 sequenced up to " + lastBatchSequenced(r) + ", the sequencer closed " + last);
    Thread.sleep(2_000); // anything else still pending would be mined by now
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
