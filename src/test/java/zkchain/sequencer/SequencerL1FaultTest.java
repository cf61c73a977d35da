package zkchain.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static zkchain.sequencer.SequencerFixture.await;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.l1.Anvil;
import zkchain.l1.RollupEvent;

/** The sequencer's way to L1 when L1 misbehaves: a sequencing transaction that L1 drops or orphans. */
class SequencerL1FaultTest {
  static final L2Wallet WALLET = new L2Wallet(SequencerFixture.GENESIS.chainId());
  static final List<Credentials> SENDERS = DevKeys.PRIVATE_KEYS.subList(4, 10).stream().map(Credentials::create).toList();

  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("SequencerL1FaultTest", SequencerSettings.defaults()
        .withFallback(ConfigFactory.parseString("akka.actor.provider = local"))
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

  /** SequenceBatches events on the L1 chain cover 1..last exactly once. */
  private static void assertSequencedOnce(SequencerFixture f, long last) throws IOException {
    long head = f.l1.ethBlockNumber().send().getBlockNumber().longValueExact();
    long previous = 0;
    for (RollupEvent e : f.rollup.events(f.deployment.deployBlock(), head)) {
      if (!(e instanceof RollupEvent.SequenceBatches s)) continue;
      var call = (zkchain.l1.SequenceBatchesCalldata.Valid) f.rollup.sequencedCalldata(s.log().txHash());
      assertEquals(previous + call.batches().size(), s.numBatch(), "the call ending at " + s.numBatch());
      previous = s.numBatch();
    }
    assertEquals(last, previous);
  }

  private static void anvil(HttpService l1, String method, Object... params) {
    try {
      VoidResponse r = new Request<>(method, List.of(params), l1, VoidResponse.class).send();
      if (r.hasError()) throw new IllegalStateException(method + ": " + r.getError().getMessage());
    } catch (IOException e) {
      throw new IllegalStateException(method + ": " + e.getMessage(), e);
    }
  }
}
