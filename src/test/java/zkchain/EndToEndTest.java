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
import org.web3j.utils.Numeric;
import zkchain.batch.BatchEntity.Stage;
import zkchain.batch.BatchEntity;
import zkchain.node.ZkChainNode;
import zkchain.protocol.Hash32;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.LocalRollup;
import zkchain.testing.TcpProxy;
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
  void aSequencerThatSequencesOtherDataOnL1MakesATrustedReorgVisibleOnTheNode() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir)) {
      // the test hook: batch 2 goes to L1 with an empty transactions list, not what the feed carried
      SequencerRole sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.test-hooks.sequence-divergent-batch", 2,
          "zkchain.sequencer.batch.max-transactions", 20));
      ZkChainNode node = rollup.startNode("node", List.of(sequencer.feedUrl()));
      // L1 holds the sequencing back until the node has batch 2 from the feed: only then is L1's
      // other version a trusted reorg (were L1 first, the feed's version would arrive too late to matter)
      rollup.anvil().pauseMining();
      rollup.sendTransfers(100);
      assertTrue(TestNodes.eventually(STAGES, () -> status(node).get("heads").get("trusted").asLong() >= 3));
      rollup.anvil().mineEverySecond();
      assertTrue(TestNodes.eventually(STAGES, () -> status(node).get("heads").get("virtual").asLong() >= 3));

      BatchEntity.State reorged = batch(node, 2);
      assertEquals(List.of("transactions"), reorged.current().trustedReorg().differingFields());
      assertEquals(Hash32.keccak(Numeric.hexStringToByteArray("0xc0")), reorged.current().data().transactionsHash(),
          "the L1 version won");
      assertEquals(BatchEntity.Source.L1, reorged.current().data().source());
      JsonNode http = JSON.readTree(TestNodes.get(node.httpUrl() + "/batches/2").body());
      assertEquals("[\"transactions\"]", http.get("trustedReorg").get("differingFields").toString());
      assertEquals("0xc0", http.get("trustedReorg").get("l1").get("transactions").asText());
      assertTrue(http.get("trustedReorg").get("trusted").get("transactions").asText().length() > 4,
          "the feed's version stays visible");
      assertEquals(List.of("trusted-recorded", "trusted-reorg"),
          reorged.history().stream().map(BatchEntity.Transition::event).toList().subList(0, 2));
    }
  }

  @Test
  void aNodeFailsOverToAnotherNodesFeedWithoutAGapAndResumesWithoutADuplicate() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir)) {
      SequencerRole sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.batch.max-transactions", 2,
          "zkchain.sequencer.l1.enabled", false));
      ZkChainNode upstream = rollup.startNode("upstream", List.of(sequencer.feedUrl()));
      rollup.sendTransfers(600);
      Thread.sleep(1_000);
      long last = lastClosedBatch(sequencer);
      assertTrue(last >= 300, last + " batches");
      awaitHeads(upstream, last, 0, 0);

      // the sequencer first, the upstream node second; the sequencer becomes unreachable while the
      // node replays (cut at once through a proxy: stopping a whole role takes long enough to race;
      // a slow link, so the replay takes seconds, not the moment it takes the node to execute it)
      TcpProxy primary = TcpProxy.to(java.net.URI.create(sequencer.feedUrl()).getPort()).throttle(40_000);
      ZkChainNode node = rollup.startNode("node", List.of(
          sequencer.feedUrl().replaceFirst(":\\d+/", ":" + primary.port() + "/"), LocalRollup.feedUrl(upstream)));
      assertTrue(TestNodes.eventually(STAGES, () -> status(node).get("heads").get("trusted").asLong() >= 20));
      primary.close();
      long atKill = status(node).get("heads").get("trusted").asLong();
      assertTrue(atKill < last, "killed mid-stream (at " + atKill + " of " + last + ")");
      awaitHeads(node, last, 0, 0);
      JsonNode feed = status(node).get("feed");
      assertTrue(feed.get("failovers").asLong() >= 1, feed.toString());
      assertEquals(0, feed.get("executed").get("parent-unknown").asLong(), "no gap: " + feed);

      // restarted in the middle of replaying from the upstream node: resumes without a duplicate
      ZkChainNode late = rollup.startNode("late", List.of(LocalRollup.feedUrl(upstream)));
      assertTrue(TestNodes.eventually(STAGES, () -> status(late).get("heads").get("trusted").asLong() >= 20));
      rollup.stop(late);
      ZkChainNode again = rollup.startNode("late", List.of(LocalRollup.feedUrl(upstream)));
      awaitHeads(again, last, 0, 0);
      for (ZkChainNode n : List.of(node, again)) {
        for (long b = 1; b <= last; b++) {
          assertEquals(List.of("trusted-recorded"),
              batch(n, b).history().stream().map(BatchEntity.Transition::event).toList(), "batch " + b + " once");
        }
      }
    }
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
