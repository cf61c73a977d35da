package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.l1.ZkChainRollup;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.L1Ledger;
import zkchain.testing.LocalRollup;
import zkchain.testing.NodeCluster;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;
import zkchain.testing.WalletLoad;

/**
 * Issue 9 acceptance: three members of one cluster, each a JVM of its own, on the local
 * PostgreSQL, following anvil and a real sequencer under wallet load, joined through seed nodes.
 * The ingest runs on exactly one member at any time (every member's /status, sampled throughout);
 * batch entities live on more than one member; every member serves the whole /feed. The member running the ingest is killed with
 * kill -9 mid-sync, then the next one is stopped with SIGTERM: each time a survivor takes over and
 * the heads move again, and the takeover time is printed. At the end every batch is Consolidated
 * with the roots L1 verified, its events hold each transition once, and every member answers
 * /batches/{n} with the same JSON.
 */
class ClusterFailoverTest {
  static final ObjectMapper JSON = new ObjectMapper();
  /**
   * The takeover after kill -9 that the shipped settings aim at is 15 s (conf/cluster.conf);
   * the test allows 5 s more for a machine whose two cores run three members, the rollup and
   * other builds, and prints the figure.
   */
  static final Duration TAKEOVER_BOUND = Duration.ofSeconds(20);

  @TempDir Path dir;

  @Test
  void theIngestMovesToASurvivorAfterKillAndAfterSigterm() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir); var pg = TestDatabases.freshPgSchema()) {
      SequencerRole sequencer = rollup.startSequencer(java.util.Map.of());
      rollup.startAggregator();
      try (NodeCluster cluster = new NodeCluster(rollup, dir, pg, List.of(sequencer.feedUrl()), 3,
          NodeCluster.Joining.SEED_NODES)) {
        cluster.startAll();
        for (int i = 0; i < 3; i++) assertTrue(cluster.awaitUp(i, 3, NodeCluster.START), "member " + i + " Up");
        List<String> acknowledged;
        try (WalletLoad load = WalletLoad.start(sequencer.rpcUrl()); NodeCluster.Sampler sampler = cluster.sample()) {
          acknowledged = load.acknowledged;
          assertTrue(TestNodes.eventually(Duration.ofSeconds(60), () -> cluster.trustedHead() >= 5),
              "batches flow: Trusted head " + cluster.trustedHead());
          assertTrue(TestNodes.eventually(Duration.ofSeconds(30), () -> membersWithBatchEntities(cluster).size() > 1),
              "batch entities on more than one member: " + membersWithBatchEntities(cluster));
          assertOneIngestNamedByAll(cluster);

          Takeover killed = takeOver(cluster, sampler, "kill -9", i -> cluster.member(i).kill());
          Takeover stopped = takeOver(cluster, sampler, "SIGTERM", i -> cluster.member(i).stop());
          System.out.println("ClusterFailoverTest: takeover after kill -9 " + killed + "; after SIGTERM " + stopped);
          assertTrue(killed.nextBatchMillis() < TAKEOVER_BOUND.toMillis(), "kill -9 takeover " + killed);
          assertTrue(stopped.nextBatchMillis() < killed.nextBatchMillis(),
              "a graceful stop hands over without waiting for the resolver: " + stopped + " vs " + killed);
          assertEquals(List.of(), sampler.doubleIngest(), "two members ran the ingest at once");
          assertTrue(sampler.roundsWithOneIngestOfAll() > 10, "rounds with all three answering and one ingest: "
              + sampler.roundsWithOneIngestOfAll());
        }
        long last = rollup.awaitSequencedAndVerified(sequencer);
        cluster.awaitEveryMemberAt(last);
        assertEveryBatchOnceAndTheSameOnEveryMember(cluster, rollup.l1View(), last);
        // every member serves the whole feed, whichever member's ingest appended each batch
        List<JsonNode> feed = cluster.feed(0, 1, (int) last);
        for (int n = 1; n <= last; n++) assertEquals(n, feed.get(n - 1).get("number").asLong(), "feed batch " + n);
        for (int i = 1; i < 3; i++) assertEquals(feed, cluster.feed(i, 1, (int) last), "member " + i + "'s /feed");
        L1Ledger ledger = L1Ledger.read(rollup.l1View(), rollup.deployment(), rollup.l1BlockNumber());
        assertEquals(java.util.Map.of(), ledger.notExactlyOnce(acknowledged), "acknowledged transactions not once on L1");
      }
    }
  }

  /**
   * After the stop: when a survivor recorded the next batch (from the journal) and the longest
   * time the Trusted head stood still (every member's /status).
   */
  record Takeover(long nextBatchMillis, long trustedStallMillis) {
    @Override
    public String toString() {
      return "next batch recorded after " + nextBatchMillis + " ms, Trusted head still for " + trustedStallMillis + " ms";
    }
  }

  /**
   * Stops the member running the ingest while batches flow and measures until a survivor records
   * the next batch; then starts the member again and waits until it is back in the cluster.
   */
  static Takeover takeOver(NodeCluster cluster, NodeCluster.Sampler sampler, String how, IntConsumer stop)
      throws Exception {
    int ingest = cluster.ingestMember();
    assertNotEquals(-1, ingest, "a member runs the ingest");
    long before = cluster.trustedHead();
    assertTrue(TestNodes.eventually(Duration.ofSeconds(30), () -> cluster.trustedHead() > before), "heads move first");
    long stoppedAt = System.currentTimeMillis();
    stop.accept(ingest);
    assertTrue(TestNodes.eventually(Duration.ofSeconds(60), () -> {
      int now = cluster.ingestMember();
      return now >= 0 && now != ingest;
    }), how + ": no survivor took the ingest over within 60 s");
    long atTakeover = cluster.trustedHead();
    assertTrue(TestNodes.eventually(Duration.ofSeconds(30), () -> cluster.trustedHead() >= atTakeover + 3),
        how + ": the heads move again");
    Thread.sleep(1_000); // the sampler's last rounds
    Takeover takeover = new Takeover(cluster.recordingResumedAfter(stoppedAt),
        sampler.longestTrustedStall(stoppedAt - 1_000, System.currentTimeMillis()));
    // the timeline, from the members' logs: the resolver's decision, the ingest stopping and starting
    for (int i = 0; i < 3; i++) {
      for (String line : cluster.member(i).logLines()) {
        if (line.contains("SBR took decision") || line.contains("the ingest (L1") || line.contains("the ingest stops")) {
          System.out.println("  member " + i + ": " + line.substring(0, Math.min(line.length(), 160)));
        }
      }
    }
    System.out.println("  " + how + " at " + java.time.Instant.ofEpochMilli(stoppedAt));
    System.out.println("ClusterFailoverTest: " + how + " of member " + ingest + " (ingest) at Trusted head " + before
        + ": member " + cluster.ingestMember() + " took over; " + takeover);

    cluster.member(ingest).start(NodeCluster.START);
    for (int i = 0; i < 3; i++) assertTrue(cluster.awaitUp(i, 3, NodeCluster.START), "member " + i + " Up again");
    assertOneIngestNamedByAll(cluster);
    return takeover;
  }

  /** Every member names the same ingest member, and exactly that member's own process runs it. */
  static void assertOneIngestNamedByAll(NodeCluster cluster) {
    assertTrue(TestNodes.eventually(Duration.ofSeconds(30), () -> {
      Set<String> named = new HashSet<>();
      List<String> running = new ArrayList<>();
      for (int i = 0; i < cluster.size(); i++) {
        JsonNode s = cluster.status(i).orElse(null);
        if (s == null) return false;
        named.add(s.get("ingest").get("member").asText());
        if (s.get("ingest").get("runningHere").asBoolean()) running.add(s.get("ingest").get("self").asText());
      }
      return named.size() == 1 && running.equals(List.copyOf(named));
    }), "one ingest, named by every member");
  }

  /** Members whose shard region holds batch entities (Akka Management's /cluster/shards/Batch). */
  static Set<Integer> membersWithBatchEntities(NodeCluster cluster) {
    Set<Integer> out = new HashSet<>();
    for (int i = 0; i < cluster.size(); i++) {
      try {
        JsonNode regions = JSON.readTree(TestNodes.get(cluster.url(i) + "/cluster/shards/Batch").body()).get("regions");
        for (JsonNode shard : regions) if (shard.get("numEntities").asInt() > 0) out.add(i);
      } catch (Exception e) {
        // a member that does not answer holds none that we can see
      }
    }
    return out;
  }

  /**
   * Every batch Consolidated with the root L1 verified for the range it ends, each transition
   * once in its events, and the same JSON from every member.
   */
  static void assertEveryBatchOnceAndTheSameOnEveryMember(NodeCluster cluster, ZkChainRollup l1, long last)
      throws Exception {
    for (long n = 1; n <= last; n++) {
      String json = TestNodes.get(cluster.url(0) + "/batches/" + n).body();
      for (int i = 1; i < cluster.size(); i++) {
        assertEquals(JSON.readTree(json), JSON.readTree(TestNodes.get(cluster.url(i) + "/batches/" + n).body()),
            "batch " + n + " from member 0 and member " + i);
      }
      JsonNode batch = JSON.readTree(json);
      assertEquals("consolidated", batch.get("stage").asText(), "batch " + n);
      assertTrue(batch.get("trustedReorg").isNull() && batch.get("stateRootMismatch").isNull(), batch.toString());
      if (!batch.get("verifiedRoot").isNull()) {
        assertEquals(batch.get("stateRoot").asText(), batch.get("verifiedRoot").asText(), "batch " + n);
        assertEquals(batch.get("stateRoot").asText(), l1.batchNumToStateRoot(n).toLowerCase(), "L1's root of " + n);
      }
      List<String> events = NodeLifecycleTest.texts(
          JSON.readTree(TestNodes.get(cluster.url((int) (n % cluster.size())) + "/batches/" + n + "/events").body()),
          "type");
      assertTrue(events.equals(List.of("TrustedRecorded", "Virtualized", "Consolidated"))
          || events.equals(List.of("Virtualized", "Consolidated")), "events of batch " + n + ": " + events);
    }
  }

}
