package zkchain.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.testing.TestNodes.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.DevKeys;
import zkchain.devnet.Anvil;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.TrieNodes;
import zkchain.execution.WorldState;
import zkchain.infra.Database;
import zkchain.node.ZkChainNode;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;
import zkchain.testing.L1Workload;
import zkchain.testing.TestNodes;

/**
 * Pruning on a node syncing 2,000 batches from a real anvil with keep-roots = 100: the store ends
 * holding exactly the nodes the kept roots reach, every kept root serves its state, the node
 * syncs on while the pruner runs, and an L1 reorg inside the kept range is followed.
 */
class PruningTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int K = 100;
  static final int PER_CALL = 25;
  /** L1 blocks the node can undo: each sequencing call is one block on this anvil (automine). */
  static final int REORG_WINDOW = 8;

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
    Map<String, Object> o = new HashMap<>(Map.of("zkchain.l1.url", anvil.url(),
        "zkchain.l1.rollup-file", rollupFile.toString(), "zkchain.l1.poll-interval", "100ms",
        "zkchain.l1.reorg-window", REORG_WINDOW, "zkchain.state.keep-roots", K,
        "zkchain.state.prune-interval", "300ms", "zkchain.state.prune-write-slack", "2s"));
    node = ZkChainNode.start(TestNodes.config(dir.resolve("node"), o));
  }

  @AfterEach
  void stop() {
    if (node != null) node.close();
    l1.close();
    anvil.close();
  }

  void awaitHeads(long virtual, long consolidated) {
    String expected = virtual + "/" + virtual + "/" + consolidated;
    String[] seen = {""};
    assertTrue(TestNodes.eventually(Duration.ofSeconds(180), () -> {
      try {
        JsonNode h = JSON.readTree(get(node.httpUrl() + "/status").body()).get("heads");
        seen[0] = h.get("trusted").asLong() + "/" + h.get("virtual").asLong() + "/" + h.get("consolidated").asLong();
        return seen[0].equals(expected);
      } catch (Exception e) {
        return false;
      }
    }), "heads " + expected + " expected, were " + seen[0]);
  }

  /** A run of the node's pruner that began after everything so far was written. */
  TriePruner.Run pruneNow(TriePruner pruner) {
    while (true) {
      Optional<TriePruner.Run> run = pruner.runOnce(Duration.ZERO);
      if (run.isPresent()) return run.get();
      Thread.onSpinWait(); // the background run is under way; the next one starts after it
    }
  }

  @Test
  void twoThousandBatchesWithKeepRootsOneHundred() throws Exception {
    TriePruner pruner = node.pruner().orElseThrow();
    JdbcNodeStore store = new JdbcNodeStore(Database.get(node.system()).dataSource());
    l1.transfersPerBatch(1);
    long runsBefore = 0;
    for (int phase = 0; phase < 4; phase++) {
      l1.sequence(PER_CALL, 20); // 500 batches a phase
      l1.verify(l1.lastBatchSequenced() - PER_CALL * 4); // Consolidated trails the Virtual head
      awaitHeads(l1.lastBatchSequenced(), l1.lastVerifiedBatch());
      // the pruner ran while the node synced this phase's batches, and the sync went on
      assertTrue(TestNodes.eventually(Duration.ofSeconds(60), () -> pruner.runs() > 0));
      runsBefore = pruner.runs();
    }
    assertTrue(pruner.deleted() > 0, "the pruner deleted nodes while the node synced");
    assertTrue(runsBefore >= 2, "ran " + runsBefore + " times");
    long last = l1.lastBatchSequenced();
    assertEquals(2000, last);

    TriePruner.Run run = pruneNow(pruner);
    long consolidated = l1.lastVerifiedBatch();
    // the reorg window's oldest block sequenced batches up to last - (REORG_WINDOW - 1) calls
    long virtualAtWindowStart = last - (long) (REORG_WINDOW - 1) * PER_CALL;
    long expectedFloor = Math.min(consolidated - K + 1, virtualAtWindowStart);
    assertTrue(run.floor() <= expectedFloor && run.floor() >= expectedFloor - PER_CALL,
        "floor " + run.floor() + ", expected about " + expectedFloor);

    // exactly the nodes the kept roots reach, walked from L1's roots (not the node's own)
    Set<Hash32> reachable = new HashSet<>();
    for (long n = run.floor(); n <= last; n++) TrieNodes.walk(store, l1.root(n), reachable, (h, b) -> {});
    Set<Hash32> stored = new HashSet<>();
    store.forEachHash(stored::add);
    assertEquals(reachable, stored, "the store holds exactly the nodes reachable from the kept roots");
    assertTrue(store.get(l1.root(1)).isEmpty(), "batch 1's root is pruned");

    // every kept root serves its state
    Address dev = Address.of(org.web3j.crypto.Credentials.create(DevKeys.key(4)).getAddress());
    for (long n = run.floor(); n <= last; n++) {
      assertTrue(WorldState.open(store, l1.root(n)).account(dev).nonce() > 0, "state at batch " + n);
    }
    var r = JSON.readTree(get(node.httpUrl() + "/batches/" + (run.floor() + 1) + "/replay").body());
    assertTrue(r.get("match").asBoolean(), r.toString());
    assertEquals(409, get(node.httpUrl() + "/batches/2/replay").status(), "batch 1's state is pruned");

    // an L1 reorg inside the kept range: the last three calls are orphaned and sequenced otherwise
    l1.reorg(3);
    awaitHeads(l1.lastBatchSequenced(), l1.lastVerifiedBatch());
    l1.sequence(PER_CALL, 4);
    l1.verifyAll();
    long end = l1.lastBatchSequenced();
    awaitHeads(end, end);
    for (long n = last - 3 * PER_CALL; n <= end; n++) {
      JsonNode b = JSON.readTree(get(node.httpUrl() + "/batches/" + n).body());
      assertEquals(l1.root(n).hex(), b.get("stateRoot").asText(), "batch " + n);
    }
  }
}
