package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.testing.TestNodes.ask;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.ShardRegion.CurrentShardRegionState;
import akka.cluster.sharding.typed.GetShardRegionState;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.batch.BatchEntity.BatchData;
import zkchain.batch.BatchEntity.Consolidate;
import zkchain.batch.BatchEntity.L1Ref;
import zkchain.batch.BatchEntity.RecordTrusted;
import zkchain.batch.BatchEntity.Stage;
import zkchain.batch.BatchEntity.Virtualize;
import zkchain.batch.BatchEntity;
import zkchain.testing.TestNodes;

/**
 * 10,000 batches through all three stages on a node whose sharding keeps at most 500 entities
 * alive: memory stays bounded, every batch recovers from the journal afterwards, and the stage
 * heads read 10,000.
 */
class ManyBatchesTest {
  static final int BATCHES = 10_000;
  static final int ACTIVE_ENTITY_LIMIT = 500;
  static final String COINBASE = "0x" + "c0".repeat(20);

  @TempDir Path dataDir;

  static String root(long n) {
    return String.format("0x%064x", n);
  }

  static L1Ref l1(long block, long n) {
    return new L1Ref(block, String.format("0x%064x", block), String.format("0x%064x", block * 7), n % 10);
  }

  static CompletionStage<BatchEntity.State> drive(ActorSystem<?> system, long n) {
    var data = new BatchData(String.format("0x%04x", n), 1_767_225_600L + n, COINBASE, BatchEntity.Source.FEED);
    var l1Data = new BatchData(data.transactions(), data.timestamp(), COINBASE, BatchEntity.Source.L1);
    return ask(system, n, r -> new RecordTrusted(data, root(n), root(n), r))
        .thenCompose(s -> ask(system, n, r -> new Virtualize(l1Data, root(n), root(n), l1(1000 + n / 10, n), r)))
        .thenCompose(s -> ask(system, n, r -> new Consolidate(root(n), l1(5000 + n / 100, n), r)));
  }

  @Test
  void tenThousandBatchesWithBoundedMemoryRecoverAndHeadsRead10000() {
    Config config = TestNodes.config(dataDir, Map.of(
        "akka.cluster.sharding.passivation.default-strategy.active-entity-limit", ACTIVE_ENTITY_LIMIT));

    try (ZkChainNode node = ZkChainNode.start(config)) {
      ActorSystem<?> system = node.system();
      List<BatchEntity.State> done = Source.range(1, BATCHES)
          .mapAsyncUnordered(32, n -> drive(system, n))
          .runWith(Sink.seq(), system)
          .toCompletableFuture().join();
      assertEquals(BATCHES, done.size());
      assertTrue(done.stream().allMatch(s -> s.stage() == Stage.CONSOLIDATED));

      int alive = activeEntities(system);
      assertTrue(alive <= ACTIVE_ENTITY_LIMIT, alive + " batch entities alive, limit " + ACTIVE_ENTITY_LIMIT);
      NodeLifecycleTest.assertHeads(node, BATCHES, BATCHES, BATCHES);
    }

    try (ZkChainNode node = ZkChainNode.start(config)) {
      ActorSystem<?> system = node.system();
      long recovered = Source.range(1, BATCHES)
          .mapAsyncUnordered(32, n -> BatchEntity.ref(system, n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT)
              .thenApply(s -> s.stage() == Stage.CONSOLIDATED
                  && s.current().stateRoot().equals(root(n))
                  && s.current().verifiedRoot().equals(root(n))
                  && s.history().size() == 3))
          .filter(ok -> ok)
          .runWith(Sink.fold(0L, (count, ok) -> count + 1), system)
          .toCompletableFuture().join();
      assertEquals(BATCHES, recovered, "every batch recovers Consolidated with its roots and history");
      assertTrue(activeEntities(system) <= ACTIVE_ENTITY_LIMIT);
      NodeLifecycleTest.assertHeads(node, BATCHES, BATCHES, BATCHES);
    }
  }

  static int activeEntities(ActorSystem<?> system) {
    CurrentShardRegionState state = akka.actor.typed.javadsl.AskPattern.<akka.cluster.sharding.typed.ClusterShardingQuery, CurrentShardRegionState>ask(
            ClusterSharding.get(system).shardState(),
            replyTo -> new GetShardRegionState(BatchEntity.ENTITY_KEY, replyTo),
            Duration.ofSeconds(10),
            system.scheduler())
        .toCompletableFuture().join();
    return state.getShards().stream().mapToInt(s -> s.getEntityIds().size()).sum();
  }
}
