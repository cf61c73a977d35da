package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.LocalRollup;
import zkchain.testing.NodeCluster;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;
import zkchain.testing.WalletLoad;

/**
 * Issue 9 acceptance: three members, each a JVM of its own on the local PostgreSQL, formed
 * through Cluster Bootstrap with config discovery (each member's management endpoint listed, no
 * seed nodes), restarted one at a time (SIGTERM, start again, back Up and ready) while batches
 * flow: the Trusted head never stands still for longer than the takeover time, one member runs
 * the ingest at any time, and at the end every batch is Consolidated, once, the same on every member.
 */
class ClusterRollingRestartTest {
  static final ObjectMapper JSON = new ObjectMapper();
  /** The takeover time the shipped settings aim at for a member killed with kill -9 (conf/cluster.conf). */
  static final Duration TAKEOVER_TARGET = Duration.ofSeconds(15);

  @TempDir Path dir;

  @Test
  void membersFormedByBootstrapRestartOneAtATimeWhileBatchesFlow() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir); var pg = TestDatabases.freshPgSchema()) {
      SequencerRole sequencer = rollup.startSequencer(Map.of());
      rollup.startAggregator();
      try (NodeCluster cluster = new NodeCluster(rollup, dir, pg, List.of(sequencer.feedUrl()), 3,
          NodeCluster.Joining.BOOTSTRAP)) {
        cluster.startAll();
        for (int i = 0; i < 3; i++) {
          assertTrue(cluster.awaitUp(i, 3, NodeCluster.START), "member " + i + " Up through Cluster Bootstrap");
          // no seed nodes: each member learnt the others from discovery and its contact points
          var seeds = TestNodes.get(cluster.url(i) + "/bootstrap/seed-nodes");
          assertEquals(200, seeds.status(), seeds.body());
          assertEquals(3, JSON.readTree(seeds.body()).get("seedNodes").size(), seeds.body());
        }
        try (WalletLoad load = WalletLoad.start(sequencer.rpcUrl()); NodeCluster.Sampler sampler = cluster.sample()) {
          assertTrue(TestNodes.eventually(Duration.ofSeconds(60), () -> cluster.trustedHead() >= 5),
              "batches flow: Trusted head " + cluster.trustedHead());
          ClusterFailoverTest.assertOneIngestNamedByAll(cluster);

          long from = System.currentTimeMillis();
          for (int i = 0; i < 3; i++) {
            int ingest = cluster.ingestMember();
            cluster.member(i).stop();
            cluster.member(i).start(NodeCluster.START);
            for (int m = 0; m < 3; m++) assertTrue(cluster.awaitUp(m, 3, NodeCluster.START), "member " + m + " Up");
            int member = i;
            assertTrue(TestNodes.eventually(Duration.ofSeconds(30),
                () -> TestNodes.get(cluster.url(member) + "/ready").status() == 200), "member " + i + " ready again");
            System.out.println("ClusterRollingRestartTest: member " + i + (ingest == i ? " (ingest)" : "")
                + " restarted; Trusted head " + cluster.trustedHead());
          }
          long to = System.currentTimeMillis();
          long stall = sampler.longestTrustedStall(from, to);
          System.out.println("ClusterRollingRestartTest: rolling restart of 3 members in " + (to - from)
              + " ms; the Trusted head stood still for at most " + stall + " ms");
          assertTrue(stall < TAKEOVER_TARGET.toMillis(), "the Trusted head stood still for " + stall + " ms");
          assertEquals(List.of(), sampler.doubleIngest(), "two members ran the ingest at once");
        }
        long last = rollup.awaitSequencedAndVerified(sequencer);
        cluster.awaitEveryMemberAt(last);
        ClusterFailoverTest.assertEveryBatchOnceAndTheSameOnEveryMember(cluster, rollup.l1View(), last);
      }
    }
  }
}
