package zkchain;

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
import zkchain.batch.BatchEntity.Stage;
import zkchain.node.ZkChainNode;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.LocalRollup;
import zkchain.testing.TestNodes;

/**
 * The whole rollup, every part real: wallets send through the sequencer's JSON-RPC, the sequencer
 * closes, signs and broadcasts batches and sequences them on anvil, the aggregator verifies them,
 * and two nodes (one following the sequencer, one following the first node as a relay) take every
 * batch through Trusted, Virtual and Consolidated with the same roots as L1.
 */
class EndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration STAGES = Duration.ofSeconds(120);

  @TempDir Path dir;

  static BatchEntity.State batch(ZkChainNode node, long n) {
    return BatchEntity.ref(node.system(), n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT).toCompletableFuture().join();
  }

  static JsonNode status(ZkChainNode node) {
    try {
      return JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void awaitHeads(ZkChainNode node, long trusted, long virtual, long consolidated) {
    String want = trusted + "/" + virtual + "/" + consolidated;
    String[] seen = {""};
    boolean ok = TestNodes.eventually(STAGES, () -> {
      JsonNode h = status(node).get("heads");
      seen[0] = h.get("trusted").asLong() + "/" + h.get("virtual").asLong() + "/" + h.get("consolidated").asLong();
      return seen[0].equals(want);
    });
    assertTrue(ok, node.httpUrl() + " heads " + seen[0] + ", expected " + want);
  }

  static long lastClosedBatch(SequencerRole sequencer) {
    return sequencer.sequencer().head().toCompletableFuture().join().number();
  }

  @Test
  void thousandWalletTransfersReachEveryStageOnTwoNodesWithTheRootsOfL1() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir)) {
      SequencerRole sequencer = rollup.startSequencer(Map.of());
      rollup.startAggregator();
      ZkChainNode a = rollup.startNode("node-a", List.of(sequencer.feedUrl()));
      ZkChainNode b = rollup.startNode("node-b", List.of(LocalRollup.feedUrl(a))); // a relays the feed

      rollup.sendTransfers(1_000);
      Thread.sleep(1_000); // the open batch closes after its delay
      long last = lastClosedBatch(sequencer);
      assertTrue(last >= 2, "the transfers closed into batches (" + last + ")");

      for (ZkChainNode node : List.of(a, b)) awaitHeads(node, last, last, last);
      var l1 = rollup.l1View();
      assertEquals(last, l1.lastVerifiedBatch());
      assertEquals(l1.batchNumToStateRoot(last), batch(a, last).current().stateRoot(), "the root L1 verified");
      assertEquals(lastClosedBatch(sequencer), last, "nothing more was closed");
      assertEquals(sequencer.sequencer().head().toCompletableFuture().join().stateRoot().hex(),
          batch(a, last).current().stateRoot(), "the sequencer's own root");

      for (long n = 1; n <= last; n++) {
        BatchEntity.State onA = batch(a, n);
        BatchEntity.State onB = batch(b, n);
        for (BatchEntity.State s : List.of(onA, onB)) {
          assertEquals(Stage.CONSOLIDATED, s.stage(), "batch " + n);
          assertEquals(List.of("trusted-recorded", "virtualized", "consolidated"),
              s.history().stream().map(BatchEntity.Transition::event).toList(), "batch " + n + " in stage order; feed "
                  + status(s == onA ? a : b).get("feed"));
        }
        assertEquals(onA.current().stateRoot(), onB.current().stateRoot(), "batch " + n + ": same root on both nodes");
        assertEquals(onA.current().accInputHash(), onB.current().accInputHash());
        if (onA.current().verifiedRoot() != null) {
          assertEquals(l1.batchNumToStateRoot(n), onA.current().verifiedRoot(), "batch " + n + " verified on L1");
        }
      }
      assertEquals(last, status(a).get("feed").get("executed").get("recorded").asLong());
      assertEquals(last, status(b).get("feed").get("executed").get("recorded").asLong(), "the relay carried everything");
    }
  }
}
