package zkchain.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.testing.TestNodes.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.node.ZkChainNode;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.LocalRollup;
import zkchain.testing.TestNodes;

/**
 * A snapshot of a node that follows a sequencer's feed, imported into an empty database: the new
 * node takes the feed from the batch after the snapshot, records Trusted what L1 has not seen yet
 * (L1 mining paused), and then reaches the same heads and roots as the original.
 */
class SnapshotFeedTest {
  @TempDir Path dir;

  long sequencerHead(SequencerRole sequencer) {
    return sequencer.sequencer().head().toCompletableFuture().join().number();
  }

  static JsonNode batch(ZkChainNode node, long n) throws Exception {
    return SnapshotTest.JSON.readTree(get(node.httpUrl() + "/batches/" + n).body());
  }

  @Test
  void anImportedNodeFollowsTheFeedFromTheSnapshotOnward() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir)) {
      SequencerRole sequencer = rollup.startSequencer(Map.of());
      rollup.startAggregator();
      Map<String, Object> nodeSettings = Map.of("zkchain.feed.client.urls", List.of(sequencer.feedUrl()),
          "zkchain.feed.client.silence-timeout", "3s");
      Config originalConfig = TestNodes.config(dir.resolve("original"), rollup.role("node", nodeSettings));
      Config importedConfig = TestNodes.config(dir.resolve("imported"), rollup.role("node", nodeSettings));

      ZkChainNode original = ZkChainNode.start(originalConfig);
      rollup.sendTransfers(30);
      long consolidated = rollup.awaitSequencedAndVerified(sequencer);
      SnapshotTest.awaitHeads(original, consolidated, consolidated);
      original.close();

      Path file = dir.resolve("snapshot.zip");
      SnapshotTest.Run export = SnapshotTest.snapshot(SnapshotTest.snapshotConfig(originalConfig, "export", file));
      assertEquals(Snapshot.OK, export.code(), export.err());
      SnapshotTest.Run imported = SnapshotTest.snapshot(SnapshotTest.snapshotConfig(importedConfig, "import", file));
      assertEquals(Snapshot.OK, imported.code(), imported.err());

      // L1 stands still: what comes next reaches the nodes on the feed only
      rollup.anvil().pauseMining();
      original = ZkChainNode.start(originalConfig);
      ZkChainNode node = ZkChainNode.start(importedConfig);
      try {
        rollup.sendTransfers(30);
        // admitted transfers close into a batch within the sequencer's max-delay
        assertTrue(TestNodes.eventually(SnapshotTest.SYNC, () -> sequencerHead(sequencer) > consolidated),
            "the sequencer closed batches after the snapshot");
        long trusted = sequencerHead(sequencer);
        for (ZkChainNode n : List.of(original, node)) {
          assertTrue(TestNodes.eventually(SnapshotTest.SYNC, () -> SnapshotTest.heads(n)
                  .equals(sequencerHead(sequencer) + "/" + consolidated + "/" + consolidated)),
              "Trusted from the feed alone: heads " + SnapshotTest.heads(n));
        }
        for (long n = consolidated + 1; n <= trusted; n++) {
          JsonNode mine = batch(node, n);
          assertEquals("feed", mine.path("data").path("source").asText(), "batch " + n + ": " + mine);
          assertEquals(batch(original, n).get("stateRoot"), mine.get("stateRoot"), "batch " + n);
        }

        // L1 moves again: both nodes reach the same heads and roots
        rollup.anvil().mineEverySecond();
        long last = rollup.awaitSequencedAndVerified(sequencer);
        SnapshotTest.awaitHeads(original, last, last);
        SnapshotTest.awaitHeads(node, last, last);
        for (long n = consolidated + 1; n <= last; n++) {
          assertEquals(batch(original, n).get("stateRoot"), batch(node, n).get("stateRoot"), "batch " + n);
        }
      } finally {
        node.close();
        original.close();
      }
    }
  }
}
