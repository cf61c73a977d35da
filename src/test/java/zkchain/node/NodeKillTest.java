package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.L1Ledger;
import zkchain.testing.LocalRollup;
import zkchain.testing.RoleJvm;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * Issue 13, item 9 and acceptance: a node in a JVM of its own, following a real sequencer's feed
 * and anvil under wallet load, killed with kill -9 five times at random moments and restarted on
 * the same database each time (the embedded H2 file, then PostgreSQL). Every restart opens the
 * database and continues; at the end every batch reached Consolidated with L1's roots, its events
 * hold each transition once, no trusted reorg happened, and every acknowledged transaction is in
 * exactly one batch on L1. The seed is printed; -Dzkchain.seed=N replays the same kill moments.
 */
class NodeKillTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int KILLS = 5;

  @TempDir Path dir;

  @Test
  void fiveKillsUnderLoadOnH2() throws Exception {
    killUnderLoad(Map.of());
  }

  @Test
  void fiveKillsUnderLoadOnPostgres() throws Exception {
    try (var pg = TestDatabases.freshPgSchema()) {
      killUnderLoad(pg.zkchainDbConfig());
    }
  }

  void killUnderLoad(Map<String, Object> db) throws Exception {
    long seed = Long.getLong("zkchain.seed", System.nanoTime());
    System.out.println("NodeKillTest seed " + seed + " (replay with -Dzkchain.seed=" + seed + ")");
    Random random = new Random(seed);
    try (LocalRollup rollup = new LocalRollup(dir)) {
      SequencerRole sequencer = rollup.startSequencer(Map.of());
      rollup.startAggregator();
      Map<String, Object> settings = new HashMap<>(rollup.nodeSettings(
          List.of(sequencer.feedUrl()), Map.of("zkchain.data-dir", dir.resolve("node").toString())));
      settings.putAll(db);
      List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean loading = new AtomicBoolean(true);
      Thread load = new Thread(() -> {
        try {
          while (loading.get()) acknowledged.addAll(LocalRollup.sendTransfers(sequencer.rpcUrl(), 50));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "wallet-load");
      load.start();

      try (RoleJvm node = RoleJvm.of("node", dir.resolve("node-jvm"), settings)) {
        node.start(Duration.ofSeconds(60));
        long atLastKill = -1;
        for (int kill = 1; kill <= KILLS; kill++) {
          // each kill lands while the node is ingesting: after its heads moved, at a random moment
          long previous = atLastKill;
          TestNodes.eventually(Duration.ofSeconds(30), () -> heads(node).get("trusted").asLong() > previous);
          Thread.sleep(200 + random.nextInt(2_500));
          long before = heads(node).get("trusted").asLong();
          atLastKill = before;
          node.kill();
          System.out.println("kill -9 #" + kill + " of the node at Trusted head " + before);
          node.start(Duration.ofSeconds(60)); // opens the same database: it must, every time
        }
        Thread.sleep(2_000);
        loading.set(false);
        load.join();

        long last = rollup.awaitSequencedAndVerified(sequencer);
        assertTrue(TestNodes.eventually(Duration.ofSeconds(120), () -> {
          JsonNode h = heads(node);
          return h.get("trusted").asLong() == last && h.get("virtual").asLong() == last
              && h.get("consolidated").asLong() == last;
        }), "heads " + heads(node) + ", expected " + last + " at every stage");

        for (long n = 1; n <= last; n++) {
          JsonNode batch = JSON.readTree(TestNodes.get(node.httpUrl() + "/batches/" + n).body());
          assertTrue(batch.get("trustedReorg").isNull(), "no trusted reorg of batch " + n + ": " + batch);
          List<String> events = NodeLifecycleTest.texts(
              JSON.readTree(TestNodes.get(node.httpUrl() + "/batches/" + n + "/events").body()), "type");
          assertTrue(events.equals(List.of("TrustedRecorded", "Virtualized", "Consolidated"))
              || events.equals(List.of("Virtualized", "Consolidated")), "events of batch " + n + ": " + events);
        }
        L1Ledger ledger = L1Ledger.read(rollup.l1View(), rollup.deployment(), rollup.l1BlockNumber());
        assertEquals(Map.of(), ledger.notExactlyOnce(acknowledged), "acknowledged transactions not once on L1");
        assertTrue(ledger.timesSequenced.values().stream().allMatch(t -> t == 1), "a batch sequenced twice");
        System.out.println("NodeKillTest: " + KILLS + " kills, " + acknowledged.size() + " transfers in " + last
            + " batches, every batch Consolidated once");
      }
    }
  }

  static JsonNode heads(RoleJvm node) {
    try {
      return JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body()).get("heads");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
