package zkchain.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.sequencer.SequencerFixture.await;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.javadsl.Sink;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import zkchain.DevKeys;
import zkchain.devnet.Anvil;
import zkchain.execution.ExecutionResult;
import zkchain.execution.Executor;
import zkchain.execution.InMemoryNodeStore;
import zkchain.l1.BatchData;
import zkchain.l1.L1Sender;
import zkchain.l1.RollupEvent;
import zkchain.l1.ZkChainRollup;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Address;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.protocol.SkipReason;
import zkchain.testing.L1Workload;

/**
 * The trusted sequencer against a real anvil and H2, driven over its JSON-RPC by web3j as a
 * wallet: admission, batch closing and signing, L1 sequencing, and a restart in between.
 */
class SequencerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final L2Wallet WALLET = new L2Wallet(SequencerFixture.GENESIS.chainId());
  /** Senders: dev keys 4–9, none of them an L1 role or the coinbase. */
  static final List<Credentials> SENDERS = DevKeys.PRIVATE_KEYS.subList(4, 10).stream().map(Credentials::create).toList();

  static ActorTestKit testKit;
  static Anvil anvil;

  @BeforeAll
  static void start() {
    anvil = L1Workload.startL1();
    testKit = ActorTestKit.create("SequencerTest", ConfigFactory.parseString("akka.actor.provider = local")
        .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    anvil.close();
  }

  @Test
  void admissionRefusesEachSkipReasonOverJsonRpc() throws Exception {
    try (SequencerFixture f = new SequencerFixture(testKit.system(), anvil)) {
      // batches stay open for the whole test: pending and latest then differ predictably
      f.start(SequencerFixture.settings("zkchain.sequencer.batch.max-delay = 1h\nzkchain.sequencer.l1.enabled = false"));
      Credentials alice = SENDERS.get(0);
      String to = L2Wallet.recipient(1);

      assertRefused(f, "0xdeadbeef", SkipReason.MALFORMED);
      assertRefused(f, WALLET.highS(alice, 0, to), SkipReason.BAD_SIGNATURE);
      assertRefused(f, WALLET.signedFor(1, alice, 0, to), SkipReason.WRONG_CHAIN);
      assertRefused(f, WALLET.withData(alice, 0, to), SkipReason.UNSUPPORTED);
      assertRefused(f, WALLET.withGasLimit(alice, 0, to, 20_999), SkipReason.INTRINSIC_GAS);
      assertRefused(f, WALLET.legacy(alice, 1, to, BigInteger.ONE), SkipReason.NONCE);
      assertRefused(f, WALLET.dynamicFee(alice, 0, to, BigInteger.ONE, L2Wallet.GWEI.add(BigInteger.ONE),
          L2Wallet.GWEI), SkipReason.FEE_CAP);
      BigInteger tooMuch = BigInteger.TEN.pow(23); // 100,000 ETH; the genesis gives 10,000
      assertRefused(f, WALLET.legacy(alice, 0, to, tooMuch), SkipReason.BALANCE);

      // valid or not, bytes that cannot fit in any batch are refused before they are judged
      EthSendTransaction huge = f.l2.ethSendRawTransaction("0x" + "c0".repeat(120_000)).send();
      assertEquals(-32003, huge.getError().getCode());
      assertTrue(huge.getError().getMessage().contains("cannot fit"), huge.getError().getMessage());

      // admitted: the pending state moves on, the last closed batch does not
      String tx = WALLET.legacy(alice, 0, to, BigInteger.TEN);
      EthSendTransaction sent = f.l2.ethSendRawTransaction(tx).send();
      assertFalse(sent.hasError(), () -> sent.getError().getMessage());
      assertEquals(Hash32.keccak(org.web3j.utils.Numeric.hexStringToByteArray(tx)).hex(), sent.getTransactionHash());
      assertEquals(1, f.nonce(alice.getAddress(), "pending"));
      assertEquals(0, f.nonce(alice.getAddress(), "latest"));
      // the same transaction again: its nonce is now used in the pending state
      assertRefused(f, tx, SkipReason.NONCE);
      assertEquals(SequencerFixture.GENESIS.chainId(), f.l2.ethChainId().send().getChainId().longValueExact());

      // web3j's own wallet path: it asks eth_getTransactionCount "pending" for the nonce, then sends
      var manager = new org.web3j.tx.RawTransactionManager(f.l2, alice, SequencerFixture.GENESIS.chainId());
      EthSendTransaction viaManager = manager.sendTransaction(L2Wallet.GWEI, L2Wallet.GAS, to, "", BigInteger.TWO);
      assertFalse(viaManager.hasError(), () -> viaManager.getError().getMessage());
      assertEquals(2, f.nonce(alice.getAddress(), "pending"));
      assertEquals(0, f.l2.ethBlockNumber().send().getBlockNumber().longValueExact());
    }
  }

  @Test
  void malformedRequestsGetJsonRpcErrors() throws Exception {
    try (SequencerFixture f = new SequencerFixture(testKit.system(), anvil)) {
      f.start(SequencerFixture.settings("zkchain.sequencer.l1.enabled = false"));
      HttpClient http = HttpClient.newHttpClient();
      String url = f.rpcUrl();
      assertEquals(-32700, post(http, url, "{not json").path("error").path("code").asInt());
      assertEquals(-32600, post(http, url, "[]").path("error").path("code").asInt());
      assertEquals(-32600, post(http, url, "{\"id\":1,\"method\":\"eth_chainId\"}").path("error").path("code").asInt());
      assertEquals(-32601, post(http, url, call(7, "eth_mine", "[]")).path("error").path("code").asInt());
      assertEquals(-32602, post(http, url, call(8, "eth_sendRawTransaction", "[\"0xzz\"]")).path("error").path("code").asInt());
      assertEquals(-32602, post(http, url, call(9, "eth_getTransactionCount", "[\"0x12\", \"latest\"]"))
          .path("error").path("code").asInt());
      assertEquals(-32602, post(http, url, call(10, "eth_getTransactionCount",
          "[\"" + SENDERS.get(0).getAddress() + "\", \"earliest\"]")).path("error").path("code").asInt());
      // a notification (no id) gets no answer, as JSON-RPC 2.0 says
      HttpResponse<String> notified = http.send(HttpRequest.newBuilder(URI.create(url))
          .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"method\":\"eth_chainId\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(204, notified.statusCode());
      JsonNode batch = post(http, url, "[" + call(1, "eth_chainId", "[]") + ", 5, " + call(2, "eth_blockNumber", "[]") + "]");
      assertEquals(3, batch.size());
      assertEquals("0x3e9", batch.get(0).path("result").asText());
      assertEquals(-32600, batch.get(1).path("error").path("code").asInt());
      assertEquals("0x0", batch.get(2).path("result").asText());
    }
  }

  @Test
  void thousandTransfersCloseIntoChainedSignedBatchesSequencedOnL1() throws Exception {
    try (SequencerFixture f = new SequencerFixture(testKit.system(), anvil)) {
      Sequencer sequencer = f.start(SequencerFixture.settings("""
          zkchain.sequencer.batch.max-transactions = 100
          zkchain.sequencer.l1.batches-per-call = 4
          zkchain.sequencer.l1.interval = 500ms
          """));
      // a feed reader from the start sees every batch live
      CompletionStage<List<BatchMessage>> live = sequencer.closedFrom(1)
          .scan(new Seen(null, 0), (seen, m) -> new Seen(m, seen.transactions() + transactionCount(m)))
          .drop(1)
          .takeWhile(seen -> seen.transactions() < 1000, true)
          .map(Seen::batch)
          .runWith(Sink.seq(), testKit.system());

      int sent = 0;
      long[] nonces = new long[SENDERS.size()];
      for (int round = 0; sent < 1000; round++) {
        for (int s = 0; s < SENDERS.size() && sent < 1000; s++, sent++) {
          String to = sent % 3 == 0 ? SENDERS.get((s + 1) % SENDERS.size()).getAddress() : L2Wallet.recipient(sent);
          BigInteger value = BigInteger.valueOf(1_000_000_000L + sent);
          String raw = round % 2 == 0 ? WALLET.legacy(SENDERS.get(s), nonces[s]++, to, value)
              : WALLET.dynamicFee(SENDERS.get(s), nonces[s]++, to, value, L2Wallet.GWEI, L2Wallet.GWEI.shiftLeft(1));
          EthSendTransaction r = f.l2.ethSendRawTransaction(raw).send();
          assertFalse(r.hasError(), () -> "transfer refused: " + r.getError().getMessage());
        }
      }

      List<BatchMessage> streamed = live.toCompletableFuture().get(60, TimeUnit.SECONDS);
      List<BatchMessage> closed = f.closed();
      assertEquals(closed, streamed, "replay from the database and the live stream agree");
      assertTrue(closed.size() >= 10, "1,000 transfers at most 100 per batch close into ≥ 10 batches");
      assertChained(sequencer, closed, 1000);
      for (int s = 0; s < SENDERS.size(); s++) assertEquals(nonces[s], f.nonce(SENDERS.get(s).getAddress(), "latest"));

      BatchMessage last = closed.get(closed.size() - 1);
      long n = last.batch().number();
      await("L1 sequenced every closed batch", Duration.ofSeconds(60), () -> f.rollup.lastBatchSequenced() == n);
      assertEquals(last.accInputHash(), Hash32.of(f.rollup.sequencedBatches(n).accInputHash()));
      await("the L1 transactions are recorded", Duration.ofSeconds(10), () -> f.store().l1TxHash(n).isPresent());
      assertSequencedOnce(f, n, 4);
    }
  }

  @Test
  void restartBetweenClosingAndSequencingLosesNoBatchAndSequencesNoneTwice() throws Exception {
    try (SequencerFixture f = new SequencerFixture(testKit.system(), anvil)) {
      // first run: closes batches but is stopped before it sequences any, with two transactions
      // still in its open batch: the orderly stop closes them into batch 7
      f.start(SequencerFixture.settings("""
          zkchain.sequencer.batch.max-transactions = 5
          zkchain.sequencer.batch.max-delay = 1h
          zkchain.sequencer.l1.enabled = false
          """));
      long[] nonces = new long[SENDERS.size()];
      sendTransfers(f, nonces, 32);
      await("6 batches closed", Duration.ofSeconds(30), () -> f.nonce(SENDERS.get(5).getAddress(), "latest") == 5);
      f.stop();
      List<BatchMessage> firstRun = f.store().from(1, 100);
      assertEquals(7, firstRun.size());

      // as if a previous run had sent batches 1–2 to L1 and crashed before recording it
      ZkChainRollup asSequencer = ZkChainRollup.at(L1Sender.of(f.l1, SequencerFixture.SEQUENCER_KEY),
          f.deployment.rollup());
      asSequencer.sequenceBatches(firstRun.subList(0, 2).stream()
          .map(m -> new BatchData(m.batch().transactions(), m.batch().timestamp())).toList(),
          firstRun.get(0).batch().coinbase().hex());

      // second run on the same database, sequencing two batches per call
      Sequencer second = f.start(SequencerFixture.settings("""
          zkchain.sequencer.batch.max-transactions = 5
          zkchain.sequencer.l1.batches-per-call = 2
          zkchain.sequencer.l1.interval = 300ms
          """));
      for (int s = 0; s < SENDERS.size(); s++) {
        assertEquals(nonces[s], f.nonce(SENDERS.get(s).getAddress(), "pending"), "the restart resumes the state");
        assertEquals(nonces[s], f.nonce(SENDERS.get(s).getAddress(), "latest"));
      }
      sendTransfers(f, nonces, 5);
      await("L1 sequenced batch 8", Duration.ofSeconds(60), () -> f.rollup.lastBatchSequenced() == 8);

      List<BatchMessage> all = f.closed();
      assertEquals(8, all.size());
      assertEquals(firstRun, all.subList(0, 7), "the restart kept every closed batch as it was");
      assertChained(second, all, 37);
      assertEquals(all.get(7).accInputHash(), Hash32.of(f.rollup.sequencedBatches(8).accInputHash()));
      List<RollupEvent.SequenceBatches> events = assertSequencedOnce(f, 8, 2);
      assertEquals(2, events.get(0).numBatch(), "the first call is the one made before the restart");
      await("the L1 transactions are recorded", Duration.ofSeconds(10), () -> f.store().l1TxHash(8).isPresent());
      for (long n = 3; n <= 8; n++) assertTrue(f.store().l1TxHash(n).isPresent(), "l1_tx_hash of batch " + n);
    }
  }

  @Test
  void refusedSequencingIsRetriedWithBackoffUntilL1Accepts() throws Exception {
    try (SequencerFixture f = new SequencerFixture(testKit.system(), anvil)) {
      f.start(SequencerFixture.settings("""
          zkchain.sequencer.batch.max-transactions = 3
          zkchain.sequencer.l1.interval = 200ms
          zkchain.sequencer.l1.retry.min-backoff = 200ms
          zkchain.sequencer.l1.retry.max-backoff = 1s
          """));
      // the admin takes the role away: every sequenceBatches now reverts "only trusted sequencer"
      ZkChainRollup asAdmin = ZkChainRollup.at(L1Sender.of(f.l1, Credentials.create(DevKeys.key(DevKeys.L1_ADMIN))),
          f.deployment.rollup());
      asAdmin.setTrustedSequencer(Credentials.create(DevKeys.key(DevKeys.AGGREGATOR)).getAddress());
      long[] nonces = new long[SENDERS.size()];
      sendTransfers(f, nonces, 3);
      await("batch 1 closed", Duration.ofSeconds(10), () -> blockNumber(f) == 1);
      Thread.sleep(1_500); // several refused attempts
      assertEquals(0, f.rollup.lastBatchSequenced());

      asAdmin.setTrustedSequencer(SequencerFixture.SEQUENCER_KEY.getAddress());
      await("L1 sequenced batch 1 after the retries", Duration.ofSeconds(30), () -> f.rollup.lastBatchSequenced() == 1);
      assertSequencedOnce(f, 1, 10);
    }
  }

  @Test
  void openBatchClosesAtItsTimeLimitOnlyWhenNotEmpty() throws Exception {
    try (SequencerFixture f = new SequencerFixture(testKit.system(), anvil)) {
      f.start(SequencerFixture.settings("""
          zkchain.sequencer.batch.max-delay = 300ms
          zkchain.sequencer.l1.enabled = false
          """));
      Thread.sleep(600); // an empty open batch stays open: no empty batch 1
      assertEquals(0, f.l2.ethBlockNumber().send().getBlockNumber().longValueExact());
      long[] nonces = new long[SENDERS.size()];
      sendTransfers(f, nonces, 3);
      await("the open batch closed by time", Duration.ofSeconds(10), () -> blockNumber(f) == 1);
      List<BatchMessage> closed = f.closed();
      assertEquals(1, closed.size());
      assertChained(f.sequencer, closed, 3);
    }
  }

  @Test
  void testHookSequencesOtherDataThanTheFeedForOneBatch() throws Exception {
    try (SequencerFixture f = new SequencerFixture(testKit.system(), anvil)) {
      f.start(SequencerFixture.settings("""
          zkchain.sequencer.batch.max-transactions = 2
          zkchain.sequencer.l1.interval = 300ms
          zkchain.sequencer.test-hooks.sequence-divergent-batch = 2
          """));
      long[] nonces = new long[SENDERS.size()];
      sendTransfers(f, nonces, 6);
      await("all six transfers closed", Duration.ofSeconds(30),
          () -> SENDERS.stream().allMatch(k -> f.nonce(k.getAddress(), "latest") == 1));
      List<BatchMessage> feed = f.closed();
      await("L1 sequenced every batch", Duration.ofSeconds(60), () -> f.rollup.lastBatchSequenced() == feed.size());
      assertChained(f.sequencer, feed, 6);

      byte[] onL1 = null;
      long head = f.l1.ethBlockNumber().send().getBlockNumber().longValueExact();
      for (RollupEvent e : f.rollup.events(f.deployment.deployBlock(), head)) {
        if (!(e instanceof RollupEvent.SequenceBatches s)) continue;
        var call = (zkchain.l1.SequenceBatchesCalldata.Valid) f.rollup.sequencedCalldata(s.log().txHash());
        long first = s.numBatch() - call.batches().size() + 1;
        if (first <= 2 && 2 <= s.numBatch()) onL1 = call.batches().get((int) (2 - first)).transactions();
      }
      assertNotNull(onL1);
      assertEquals("0xc0", org.web3j.utils.Numeric.toHexString(onL1), "L1 got an empty transactions list");
      assertFalse(java.util.Arrays.equals(onL1, feed.get(1).batch().transactions()));
      assertFalse(feed.get(feed.size() - 1).accInputHash().equals(Hash32.of(f.rollup.sequencedBatches(feed.size())
          .accInputHash())), "L1's accInputHash chain differs from the feed's from batch 2 on");
    }
  }

  private static long blockNumber(SequencerFixture f) {
    try {
      return f.l2.ethBlockNumber().send().getBlockNumber().longValueExact();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- helpers ----

  private static void sendTransfers(SequencerFixture f, long[] nonces, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      int s = i % SENDERS.size();
      String raw = WALLET.legacy(SENDERS.get(s), nonces[s]++, L2Wallet.recipient(10_000 + i), BigInteger.valueOf(7 + i));
      EthSendTransaction r = f.l2.ethSendRawTransaction(raw).send();
      assertFalse(r.hasError(), () -> "transfer refused: " + r.getError().getMessage());
    }
  }

  /** A live reader's progress: the last batch it saw and the transactions up to it. */
  private record Seen(BatchMessage batch, long transactions) {}

  private static int transactionCount(BatchMessage m) {
    return zkchain.protocol.BatchTransactions.decode(m.batch().transactions()).orElseThrow().size();
  }

  /**
   * Numbers 1..n without gaps; each batch signed by the trusted sequencer; re-executed here from
   * the genesis to the root it carries with every transaction applied; accInputHash chained;
   * timestamps non-decreasing.
   */
  private static void assertChained(Sequencer sequencer, List<BatchMessage> batches, int transfers) {
    InMemoryNodeStore store = new InMemoryNodeStore();
    Executor executor = new Executor(store, SequencerFixture.GENESIS.chainConfig());
    Hash32 root = SequencerFixture.GENESIS.write(store);
    Hash32 acc = AccInputHash.GENESIS;
    long timestamp = 0;
    int applied = 0;
    for (int i = 0; i < batches.size(); i++) {
      BatchMessage m = batches.get(i);
      assertEquals(i + 1, m.batch().number());
      assertTrue(m.signedBy(sequencer.sequencerAddress(), sequencer.chainId()), "signature of batch " + (i + 1));
      assertEquals(Address.of(SequencerFixture.SEQUENCER_KEY.getAddress()), m.batch().coinbase());
      assertTrue(m.batch().timestamp() >= timestamp);
      ExecutionResult result = executor.execute(root, m.batch());
      assertEquals(List.of(), result.skipped());
      assertEquals(result.stateRoot(), m.stateRoot(), "state root of batch " + (i + 1));
      acc = AccInputHash.next(acc, m.batch());
      assertEquals(acc, m.accInputHash());
      root = result.stateRoot();
      timestamp = m.batch().timestamp();
      applied += result.applied().size();
    }
    assertEquals(transfers, applied);
  }

  /** SequenceBatches events cover 1..last exactly once, in calls of at most {@code perCall} batches. */
  private static List<RollupEvent.SequenceBatches> assertSequencedOnce(SequencerFixture f, long last, int perCall)
      throws Exception {
    long head = f.l1.ethBlockNumber().send().getBlockNumber().longValueExact();
    List<RollupEvent.SequenceBatches> events = new ArrayList<>();
    for (RollupEvent e : f.rollup.events(f.deployment.deployBlock(), head)) {
      if (e instanceof RollupEvent.SequenceBatches s) events.add(s);
    }
    long previous = 0;
    for (RollupEvent.SequenceBatches e : events) {
      assertTrue(e.numBatch() > previous && e.numBatch() - previous <= perCall, "call ending at " + e.numBatch());
      previous = e.numBatch();
    }
    assertEquals(last, previous);
    return events;
  }

  private static void assertRefused(SequencerFixture f, String raw, SkipReason reason) throws Exception {
    EthSendTransaction r = f.l2.ethSendRawTransaction(raw).send();
    assertTrue(r.hasError(), "expected " + reason + " for " + raw);
    Response.Error error = r.getError();
    assertEquals(-32003, error.getCode());
    assertTrue(error.getMessage().startsWith(reason.word() + ": "), error.getMessage());
    assertNotNull(error.getData());
    assertTrue(error.getData().contains("\"" + reason.word() + "\""), error.getData());
  }

  private static String call(int id, String method, String params) {
    return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}";
  }

  private static JsonNode post(HttpClient http, String url, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }
}
