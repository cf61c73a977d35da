package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.DispatcherSelector;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.persistence.testkit.JournalOperation;
import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import akka.persistence.testkit.ProcessingPolicy;
import akka.persistence.testkit.ProcessingResult;
import akka.persistence.testkit.ProcessingSuccess$;
import akka.persistence.testkit.StorageFailure;
import akka.persistence.testkit.WriteEvents;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.batch.BatchEntity;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.infra.Database;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.protocol.Txs;
import zkchain.testing.TestNodes;

/**
 * Issue 8: the feed door records batches in order while later ones execute, and a batch whose
 * persist fails stops the chain there: nothing after it is recorded (out of order), and the door
 * resumes from the journal, not from its memory. The journal is Akka's PersistenceTestKit, told to
 * fail (slowly) the write of batch 5.
 */
class FeedDoorPersistFailureTest {
  static final Genesis GENESIS = Genesis.load(Path.of("conf/genesis.json"));
  static final Credentials SEQUENCER = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));
  static final Credentials ALICE = Credentials.create(DevKeys.key(5));
  static final int BATCHES = 12;
  static final long FAILING = 5;

  static ActorTestKit testKit;
  static PersistenceTestKit journal;

  @BeforeAll
  static void start() {
    String db = "jdbc:h2:mem:feed-door-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;DATABASE_TO_UPPER=false";
    Config config = PersistenceTestKitPlugin.config()
        .withFallback(PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.parseMap(Map.of("zkchain.db.url", db, "akka.remote.artery.canonical.port", 0,
            "zkchain.batch.ask-timeout", "3s")))
        .withFallback(ConfigFactory.load());
    Database.applySchema(config);
    testKit = ActorTestKit.create("FeedDoorPersistFailureTest", config);
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    assertTrue(TestNodes.eventually(Duration.ofSeconds(20), () -> cluster.selfMember().status() == MemberStatus.up()));
    BatchEntity.init(testKit.system());
    journal = PersistenceTestKit.create(testKit.system());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** Batches 1..BATCHES as the sequencer signs them, each a transfer of Alice's. */
  static List<BatchMessage> signedBatches() {
    var store = new InMemoryNodeStore();
    var executor = new zkchain.execution.Executor(store, GENESIS.chainConfig());
    Hash32 root = GENESIS.write(store);
    Hash32 acc = AccInputHash.GENESIS;
    List<BatchMessage> out = new ArrayList<>();
    for (int n = 1; n <= BATCHES; n++) {
      byte[] transfer = Txs.legacy(ALICE, GENESIS.chainId(), n - 1, 1, Address.of("0x" + "0".repeat(39) + (n % 10)),
          BigInteger.valueOf(1000L * n));
      Batch batch = new Batch(n, Txs.batch(transfer), 1_767_225_600L + n, Address.of(SEQUENCER.getAddress()));
      root = executor.execute(root, batch).stateRoot();
      acc = AccInputHash.next(acc, batch);
      out.add(BatchMessage.signed(GENESIS.chainId(), batch, root, acc, SEQUENCER.getEcKeyPair()));
    }
    return out;
  }

  @Test
  void aFailedPersistStopsTheChainThereAndItResumesFromTheJournal() {
    var system = testKit.system();
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    var store = new InMemoryNodeStore();
    TrustedExecution door = new TrustedExecution(system, new zkchain.execution.Executor(store, GENESIS.chainConfig()),
        GENESIS.write(store));
    List<BatchMessage> feed = signedBatches();
    List<Long> relayed = new CopyOnWriteArrayList<>();

    // the write of batch 5 takes its time, then fails: meanwhile the door executes the batches after it
    journal.withPolicy(new ProcessingPolicy<JournalOperation>() {
      @Override
      public ProcessingResult tryProcess(String persistenceId, JournalOperation operation) {
        if (persistenceId.equals(BatchEntity.persistenceId(FAILING).id()) && operation instanceof WriteEvents) {
          sleep(500);
          return StorageFailure.create(new IllegalStateException("the journal's database went away"));
        }
        return ProcessingSuccess$.MODULE$;
      }
    });
    door.resume().toCompletableFuture().join();
    assertThrows(Exception.class, () -> Source.from(feed)
        .via(FeedDoor.pipeline(door, m -> relayed.add(m.batch().number()), blocking, 4, 8))
        .runWith(Sink.seq(), system).toCompletableFuture().join());

    assertTrue(door.executions() > FAILING, "later batches executed while batch 5 was being persisted: "
        + door.executions());
    for (long n = 1; n <= BATCHES; n++) {
      int events = journal.persistedInStorage(BatchEntity.persistenceId(n).id()).size();
      assertEquals(n < FAILING ? 1 : 0, events, "events of batch " + n + " after the failed persist of " + FAILING);
    }
    assertEquals(List.of(1L, 2L, 3L, 4L), relayed, "relayed in order, up to the failure");

    // the door starts again: its head comes from the journal (batch 4), whatever it had executed
    journal.resetPolicy();
    assertEquals(FAILING - 1, door.resume().toCompletableFuture().join().number());
    List<TrustedExecution.Outcome> outcomes = Source.from(feed.subList((int) FAILING - 1, BATCHES))
        .via(FeedDoor.pipeline(door, m -> relayed.add(m.batch().number()), blocking, 4, 8))
        .runWith(Sink.seq(), system).toCompletableFuture().join();
    assertTrue(outcomes.stream().allMatch(o -> o == TrustedExecution.Outcome.RECORDED), outcomes.toString());
    for (long n = 1; n <= BATCHES; n++) {
      assertEquals(1, journal.persistedInStorage(BatchEntity.persistenceId(n).id()).size(), "batch " + n + " once");
      BatchEntity.State s = BatchEntity.ref(system, n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT)
          .toCompletableFuture().join();
      assertEquals(feed.get((int) n - 1).stateRoot().hex(), s.current().stateRoot(), "root of batch " + n);
    }
    assertEquals(BATCHES, relayed.size());
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
