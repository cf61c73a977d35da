package zkchain.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.sequencer.SequencerFixture.await;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.javadsl.Sink;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.batch.BatchEntity;
import zkchain.devnet.Anvil;
import zkchain.l1.RollupEvent;
import zkchain.node.ZkChainNode;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage;
import zkchain.testing.L1Ledger;
import zkchain.testing.LocalRollup;
import zkchain.testing.TestNodes;

/**
 * The sequencer's way to L1 when L1 misbehaves or knows more than the sequencer's database: a
 * sequencing transaction that L1 drops, and closed batches the database lost after L1 got them.
 */
class SequencerL1FaultTest {
  static final L2Wallet WALLET = new L2Wallet(SequencerFixture.GENESIS.chainId());
  static final List<Credentials> SENDERS = DevKeys.PRIVATE_KEYS.subList(4, 10).stream().map(Credentials::create).toList();

  static final ObjectMapper JSON = new ObjectMapper();
  static ActorTestKit testKit;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("SequencerL1FaultTest", ConfigFactory.parseString("akka.actor.provider = local")
        .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aSequencingTransactionThatL1DropsIsSentAgainWithinSeconds() throws Exception {
    try (Anvil anvil = Anvil.start("--block-time", "1");
        SequencerFixture f = new SequencerFixture(testKit.system(), anvil)) {
      f.start(SequencerFixture.settings("""
          zkchain.sequencer.batch.max-transactions = 3
          zkchain.sequencer.l1.interval = 300ms
          """));
      long[] nonces = new long[SENDERS.size()];
      sendTransfers(f, nonces, 3);
      await("L1 sequenced batch 1", Duration.ofSeconds(30), () -> f.rollup.lastBatchSequenced() == 1);

      HttpService l1 = new HttpService(anvil.url());
      anvil(l1, "evm_setIntervalMining", 0);
      sendTransfers(f, nonces, 3);
      await("batch 2's sequenceBatches waits in L1's pool", Duration.ofSeconds(30), () -> sequencingPending(f));
      anvil(l1, "anvil_dropAllTransactions");
      assertFalse(sequencingPending(f), "L1 forgot the transaction");
      anvil(l1, "evm_setIntervalMining", 1);
      // the old sequencer waited 5 minutes for a receipt that could not come
      await("L1 sequenced batch 2 after the drop", Duration.ofSeconds(30), () -> f.rollup.lastBatchSequenced() == 2);

      // mined, recorded, then orphaned by an L1 reorg: sequenced again on the new chain
      anvil(l1, "evm_setIntervalMining", 0);
      long head = f.l1.ethBlockNumber().send().getBlockNumber().longValueExact();
      anvil(l1, "anvil_reorg", head - sequencedIn(f, 2) + 1, List.of());
      assertEquals(1, f.rollup.lastBatchSequenced(), "the reorg took batch 2 off L1");
      anvil(l1, "evm_setIntervalMining", 1);
      await("L1 sequenced batch 2 again after the reorg", Duration.ofSeconds(30),
          () -> f.rollup.lastBatchSequenced() == 2);
      sendTransfers(f, nonces, 3);
      await("L1 sequenced batch 3", Duration.ofSeconds(30), () -> f.rollup.lastBatchSequenced() == 3);
      assertSequencedOnce(f, 3);
    }
  }

  @Test
  void aSequencerWhoseDatabaseLostBatchesThatL1HasRecoversThemFromL1() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir)) {
      Map<String, Object> settings = Map.of("zkchain.http.port", zkchain.testing.NodeCluster.freePort(),
          "zkchain.sequencer.batch.max-transactions", 10);
      var sequencer = rollup.startSequencer(settings);
      ZkChainNode following = rollup.startNode("following", List.of(sequencer.feedUrl()));
      rollup.sendTransfers(60);
      long last = awaitSequenced(rollup, sequencer.sequencer());
      assertTrue(last >= 6, last + " batches");
      SequencerJvmRollup.awaitTrustedAndVirtual(following, last);
      rollup.stop(sequencer);

      // as if H2 lost the commits of the last two closed batches after L1 had sequenced them
      List<BatchMessage> lost = deleteClosedBatchesAfter(dir.resolve("sequencer"), last - 2);
      assertEquals(2, lost.size());

      var restarted = rollup.startSequencer(settings);
      assertEquals(last, restarted.sequencer().head().toCompletableFuture().get(10, TimeUnit.SECONDS).number(),
          "the restart recovered the batches from L1");
      List<BatchMessage> served = restarted.sequencer().closedFrom(last - 1).take(2)
          .runWith(Sink.seq(), restarted.process().system()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(lost, served, "the feed serves the recovered batches as they were first signed");

      ZkChainNode fresh = rollup.startNode("fresh", List.of(restarted.feedUrl()));
      rollup.sendTransfers(30); // the chain goes on from the recovered batches
      long now = awaitSequenced(rollup, restarted.sequencer());
      assertTrue(now > last);
      for (ZkChainNode node : List.of(following, fresh)) {
        SequencerJvmRollup.awaitTrustedAndVirtual(node, now);
        for (long n = 1; n <= now; n++) {
          BatchEntity.State s = BatchEntity.ref(node.system(), n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT)
              .toCompletableFuture().get();
          assertNull(s.current().trustedReorg(), "batch " + n + " on " + node.httpUrl());
        }
        // every batch came from the feed with the root and accInputHash the node computed, or L1 had
        // it already in that very version
        JsonNode executed = JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body()).path("feed").path("executed");
        assertEquals(now, executed.path("recorded").asLong() + executed.path("already-virtual").asLong(),
            node.httpUrl() + " " + executed);
        SequencerJvmRollup.assertFeedMatchedL1(executed);
      }
    }
  }

  // ---- helpers ----

  private static void sendTransfers(SequencerFixture f, long[] nonces, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      int s = i % SENDERS.size();
      String raw = WALLET.legacy(SENDERS.get(s), nonces[s]++, L2Wallet.recipient(20_000 + i), BigInteger.valueOf(5 + i));
      EthSendTransaction r = f.l2.ethSendRawTransaction(raw).send();
      assertFalse(r.hasError(), () -> "transfer refused: " + r.getError().getMessage());
    }
  }

  private static boolean sequencingPending(SequencerFixture f) {
    try {
      String address = SequencerFixture.SEQUENCER_KEY.getAddress();
      return f.l1.ethGetTransactionCount(address, DefaultBlockParameterName.PENDING).send().getTransactionCount()
          .compareTo(f.l1.ethGetTransactionCount(address, DefaultBlockParameterName.LATEST).send()
              .getTransactionCount()) > 0;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The L1 block of the SequenceBatches event that ends at batch {@code number}. */
  private static long sequencedIn(SequencerFixture f, long number) throws IOException {
    long head = f.l1.ethBlockNumber().send().getBlockNumber().longValueExact();
    return f.rollup.events(f.deployment.deployBlock(), head).stream()
        .filter(e -> e instanceof RollupEvent.SequenceBatches s && s.numBatch() == number)
        .mapToLong(e -> e.log().blockNumber()).findFirst().orElseThrow();
  }

  /** L1's chain has batches 1..last, each once, and no transaction twice. */
  private static void assertSequencedOnce(SequencerFixture f, long last) throws IOException {
    L1Ledger ledger = L1Ledger.read(f.rollup, f.deployment, f.l1.ethBlockNumber().send().getBlockNumber()
        .longValueExact());
    assertEquals(last, ledger.lastBatch);
    assertEquals(0, ledger.transactionsOnL1MoreThanOnce());
  }

  private static void anvil(HttpService l1, String method, Object... params) {
    try {
      VoidResponse r = new Request<>(method, List.of(params), l1, VoidResponse.class).send();
      if (r.hasError()) throw new IllegalStateException(method + ": " + r.getError().getMessage());
    } catch (IOException e) {
      throw new IllegalStateException(method + ": " + e.getMessage(), e);
    }
  }

  /** Waits for the sequencer's head to settle and L1 to sequence up to it. */
  private static long awaitSequenced(LocalRollup rollup, Sequencer sequencer) throws Exception {
    Thread.sleep(1_000); // the open batch closes
    long last = sequencer.head().toCompletableFuture().get(10, TimeUnit.SECONDS).number();
    var l1 = rollup.l1View();
    await("L1 sequenced up to batch " + last, Duration.ofSeconds(60), () -> l1.lastBatchSequenced() == last);
    return last;
  }

  /** Deletes the closed batches after {@code keep} from a stopped sequencer's H2 database; returns them. */
  private static List<BatchMessage> deleteClosedBatchesAfter(Path dataDir, long keep) throws Exception {
    String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("db").resolve("zkchain") + ";DATABASE_TO_UPPER=false";
    List<BatchMessage> deleted = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url, "sa", "")) {
      try (PreparedStatement st = c.prepareStatement("SELECT message FROM sequencer_batch WHERE number > ? ORDER BY number")) {
        st.setLong(1, keep);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) deleted.add((BatchMessage) FeedMessage.parse(rs.getString(1)));
        }
      }
      try (PreparedStatement st = c.prepareStatement("DELETE FROM sequencer_batch WHERE number > ?")) {
        st.setLong(1, keep);
        st.executeUpdate();
      }
    }
    return deleted;
  }
}
