package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.testing.TestNodes.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.utils.Numeric;
import zkchain.batch.BatchEntity.Stage;
import zkchain.batch.BatchEntity;
import zkchain.devnet.Anvil;
import zkchain.infra.Database;
import zkchain.protocol.Hash32;
import zkchain.testing.JsonRpcProxy;
import zkchain.testing.L1Workload;
import zkchain.testing.TcpProxy;
import zkchain.testing.TestNodes;

/**
 * A node with no feed syncing the rollup from a real anvil: Virtual from calldata, Consolidated
 * from verifications, L1 reorgs undone, restarts resumed, a wrong verified root reported.
 */
class L1SyncTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration SYNC_TIMEOUT = Duration.ofSeconds(90);

  @TempDir Path dir;
  Anvil anvil;
  L1Workload l1;
  Path rollupFile;
  final List<ZkChainNode> nodes = new ArrayList<>();

  @BeforeEach
  void startL1() throws Exception {
    anvil = L1Workload.startL1();
    l1 = L1Workload.deploy(anvil);
    rollupFile = dir.resolve("rollup.json");
    l1.deployment().write(rollupFile);
  }

  @AfterEach
  void stopAll() {
    nodes.forEach(ZkChainNode::close);
    l1.close();
    anvil.close();
  }

  ZkChainNode startNode(Map<String, Object> extra) {
    Map<String, Object> settings = new HashMap<>(Map.of(
        "zkchain.l1.url", anvil.url(),
        "zkchain.l1.rollup-file", rollupFile.toString(),
        "zkchain.l1.poll-interval", "100ms",
        "zkchain.l1.retry.min-backoff", "100ms"));
    settings.putAll(extra);
    ZkChainNode node = ZkChainNode.start(TestNodes.config(dir.resolve("node"), settings));
    nodes.add(node);
    return node;
  }

  static JsonNode status(ZkChainNode node) {
    try {
      return JSON.readTree(get(node.httpUrl() + "/status").body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits until the stage heads read virtual / consolidated (and trusted = virtual: no feed). */
  static void awaitHeads(ZkChainNode node, long virtual, long consolidated) {
    NodeLifecycleTest.assertHeads(node, virtual, virtual, consolidated);
  }

  static BatchEntity.State batch(ZkChainNode node, long n) {
    return BatchEntity.ref(node.system(), n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT).toCompletableFuture().join();
  }

  static List<String> eventTypes(ZkChainNode node, long n) throws Exception {
    var r = get(node.httpUrl() + "/batches/" + n + "/events");
    List<String> types = new ArrayList<>();
    if (r.status() == 200) JSON.readTree(r.body()).forEach(e -> types.add(e.get("type").asText()));
    return types;
  }

  void assertRootsMatchL1(ZkChainNode node, long upTo) {
    for (long n = 1; n <= upTo; n++) {
      assertEquals(l1.root(n).hex(), batch(node, n).current().stateRoot(), "state root of batch " + n);
    }
  }

  @Test
  void syncsTwoHundredBatchesFromL1AloneToVirtualThenConsolidated() {
    l1.transfersPerBatch(3).sequence(10, 20);
    ZkChainNode node = startNode(Map.of("zkchain.l1.logs-chunk-size", 25));
    awaitHeads(node, 200, 0);
    assertRootsMatchL1(node, 200);

    l1.verify(50);
    l1.verify(120);
    l1.verifyAll();
    awaitHeads(node, 200, 200);
    for (long n = 1; n <= 200; n++) {
      BatchEntity.State s = batch(node, n);
      assertEquals(Stage.CONSOLIDATED, s.stage(), "batch " + n);
      assertEquals(l1.root(n).hex(), s.current().stateRoot());
    }
    for (long n : List.of(50L, 120L, 200L)) {
      assertEquals(l1.rollup().batchNumToStateRoot(n), batch(node, n).current().verifiedRoot(), "root verified on L1");
    }
    JsonNode l1Status = status(node).get("l1");
    assertEquals(200, l1Status.get("virtualHead").asLong());
    assertEquals(200, l1Status.get("verifiedHead").asLong());
  }

  @Test
  void l1ReorgsOfDepthOneAndFiveUndoExactlyTheOrphanedTransitions() throws Exception {
    l1.transfersPerBatch(2).sequence(2, 5); // batches 1..10 in 5 L1 blocks
    l1.verify(4);                            // one more block
    ZkChainNode node = startNode(Map.of());
    awaitHeads(node, 10, 4);

    l1.reorg(1); // orphans the verification
    awaitHeads(node, 10, 0);
    for (long n = 1; n <= 4; n++) {
      BatchEntity.State s = batch(node, n);
      assertEquals(Stage.VIRTUAL, s.stage(), "batch " + n + " back to Virtual");
      assertEquals(List.of("Virtualized", "Consolidated", "L1BlockUndone"), eventTypes(node, n));
    }
    assertEquals(List.of("Virtualized"), eventTypes(node, 5), "batch 5 was never consolidated");

    l1.reorg(5); // orphans the last four sequencing calls (batches 3..10) and the empty block
    awaitHeads(node, 2, 0);
    assertEquals(Stage.VIRTUAL, batch(node, 2).stage());
    for (long n = 3; n <= 10; n++) {
      BatchEntity.State s = batch(node, n);
      assertEquals(Stage.NONE, s.stage(), "batch " + n + " orphaned");
      assertEquals("l1-reorg-undone", s.history().get(s.history().size() - 1).event());
    }
    JsonNode l1Status = status(node).get("l1");
    assertEquals(2, l1Status.get("reorgs").asLong());
    assertTrue(l1Status.get("maxReorgDepth").asLong() >= 1);

    // L1 goes on from the common ancestor: new batches 3.. are sequenced and verified again
    l1.sequence(2, 3);
    l1.verifyAll();
    awaitHeads(node, 8, 8);
    assertRootsMatchL1(node, 8);
    assertEquals(l1.rollup().batchNumToStateRoot(8), batch(node, 8).current().verifiedRoot());
  }

  @Test
  void withFinalityFinalizedNoUndoIsEverNeeded() throws Exception {
    l1.transfersPerBatch(1).sequence(2, 3);
    l1.verify(4);
    ZkChainNode node = startNode(Map.of("zkchain.l1.finality", "finalized"));
    Thread.sleep(1000);
    assertEquals(0, status(node).get("heads").get("virtual").asLong(), "nothing is finalized yet");

    l1.mine(70); // anvil finalizes 64 blocks behind the head
    awaitHeads(node, 6, 4);
    l1.reorg(5); // only unfinalized empty blocks are replaced
    l1.mine(70);
    Thread.sleep(1500);
    awaitHeads(node, 6, 4);
    for (long n = 1; n <= 6; n++) {
      assertTrue(!eventTypes(node, n).contains("L1BlockUndone"), "batch " + n + " never undone");
    }
    assertEquals(0, status(node).get("l1").get("reorgs").asLong());
  }

  @Test
  void restartMidSyncLosesNothingAndDuplicatesNothing() throws Exception {
    l1.transfersPerBatch(2).sequence(5, 20);
    l1.verify(50);
    l1.verifyAll();
    // one block per chunk and a slow L1: the sync takes many slow steps, so the stop lands in the middle of it
    JsonRpcProxy slowL1 = JsonRpcProxy.to(anvil.url()).delayEach(Duration.ofMillis(40));
    Map<String, Object> slow = Map.of("zkchain.l1.logs-chunk-size", 1, "zkchain.l1.url", slowL1.url());
    ZkChainNode first = startNode(slow);
    assertTrue(TestNodes.eventually(SYNC_TIMEOUT, () -> status(first).get("l1").get("virtualHead").asLong() >= 30));
    long reached = status(first).get("l1").get("virtualHead").asLong();
    first.close();
    nodes.remove(first);
    assertTrue(reached < 100, "stopped in the middle of the sync (at batch " + reached + ")");

    ZkChainNode second = startNode(slow);
    awaitHeads(second, 100, 100);
    for (long n = 1; n <= 100; n++) {
      assertEquals(List.of("Virtualized", "Consolidated"), eventTypes(second, n), "batch " + n);
    }
    assertRootsMatchL1(second, 100);
    slowL1.close();
  }

  /** Issue 12: the node's web page shows a red banner with the batch and both roots while a mismatch is open. */
  @Test
  void theWebPageShowsAnOpenStateRootMismatch() throws Exception {
    l1.transfersPerBatch(2).sequence(2, 2);
    ZkChainNode node = startNode(Map.of());
    awaitHeads(node, 4, 0);
    String wrongRoot = "0x" + "ee".repeat(32);
    l1.verifyWrongRoot(2, wrongRoot);
    try (var browser = zkchain.testing.Browser.start()) {
      browser.open(node.httpUrl() + "/");
      browser.await("the state root mismatch banner", SYNC_TIMEOUT, () -> browser.visible("#mismatch")
          && browser.text("#mismatch").contains("batch 2") && browser.text("#mismatch-roots").contains(wrongRoot)
          && browser.text("#mismatch-roots").contains(l1.root(2).hex()));
      System.out.println("screenshot of the mismatch banner: " + browser.screenshot("node-page-mismatch").toAbsolutePath());
    }
  }

  @Test
  void theBatchPageListsEachTransactionAppliedOrSkippedWithTheReason() throws Exception {
    long chainId = zkchain.execution.Genesis.load(L1Workload.GENESIS_FILE).chainId();
    var sender = org.web3j.crypto.Credentials.create(zkchain.DevKeys.key(4));
    byte[] transfer = org.web3j.crypto.TransactionEncoder.signMessage(org.web3j.crypto.RawTransaction.createEtherTransaction(
        java.math.BigInteger.ZERO, java.math.BigInteger.ONE, java.math.BigInteger.valueOf(21_000),
        "0x0000000000000000000000000000000000001234", java.math.BigInteger.TEN), chainId, sender);
    // garbage, a transfer, the same transfer again: malformed, applied, and skipped for its spent nonce
    l1.sequenceTransactions(zkchain.protocol.BatchTransactions.encode(List.of(
        Numeric.hexStringToByteArray("0xdeadbeef"), transfer, transfer)));
    ZkChainNode node = startNode(Map.of());
    awaitHeads(node, 1, 0);
    String hash = Hash32.keccak(transfer).hex();
    try (var browser = zkchain.testing.Browser.start()) {
      browser.open(node.httpUrl() + "/batches/1");
      browser.await("batch 1's transactions", SYNC_TIMEOUT,
          () -> browser.text("#tx-summary").equals("3 transactions: 1 applied, 2 skipped"));
      List<String> rows = new ArrayList<>();
      for (int i = 1; i <= 3; i++) rows.add(browser.text("#transactions tr:nth-child(" + i + ")"));
      assertTrue(rows.get(0).matches("(?s)0\\s+0x[0-9a-f]{64}\\s+skipped\\s+malformed.*"), rows.get(0));
      assertTrue(rows.get(1).matches("(?s)1\\s+" + hash + "\\s+applied\\s+" + sender.getAddress()
          + " → 0x0000000000000000000000000000000000001234\\s+10"), rows.get(1));
      assertTrue(rows.get(2).matches("(?s)2\\s+" + hash + "\\s+skipped\\s+nonce.*"), rows.get(2));
      browser.screenshot("batch-page-skipped-transactions");
    }
  }

  @Test
  void aWrongVerifiedRootIsAStateRootMismatch() throws Exception {
    l1.transfersPerBatch(2).sequence(2, 2);
    ZkChainNode node = startNode(Map.of());
    awaitHeads(node, 4, 0);
    assertEquals(200, get(node.httpUrl() + "/ready").status());

    String wrongRoot = "0x" + "ee".repeat(32);
    l1.verifyWrongRoot(2, wrongRoot);
    assertTrue(TestNodes.eventually(SYNC_TIMEOUT,
        () -> status(node).get("stateRootMismatch").get("open").asBoolean()));
    JsonNode mismatch = status(node).get("stateRootMismatch");
    assertEquals(2, mismatch.get("firstBatch").asLong());
    BatchEntity.State s = batch(node, 2);
    assertEquals(Stage.VIRTUAL, s.stage(), "never served as consolidated");
    assertEquals(wrongRoot, s.current().stateRootMismatch().verifiedRoot());
    assertEquals(l1.root(2).hex(), s.current().stateRootMismatch().ownRoot());
    assertEquals(Stage.VIRTUAL, batch(node, 1).stage(), "the range stops at the mismatch");
    assertTrue(TestNodes.eventually(Duration.ofSeconds(10), () -> get(node.httpUrl() + "/ready").status() == 503));
    JsonNode ready = JSON.readTree(get(node.httpUrl() + "/ready").body());
    assertEquals(List.of("state-root"), NodeLifecycleTest.texts(ready.get("failing")), ready.toString());
    assertEquals(0, status(node).get("heads").get("consolidated").asLong());
  }

  @Test
  void aTrustedReorgMakesTheL1VersionWinAndDiscardsLaterTrustedBatches() {
    l1.transfersPerBatch(2).sequence(1, 2);
    ZkChainNode node = startNode(Map.of());
    var store = new zkchain.execution.JdbcNodeStore(Database.get(node.system()).dataSource());
    var genesis = zkchain.execution.Genesis.load(L1Workload.GENESIS_FILE);
    var executor = new zkchain.execution.Executor(store, genesis.chainConfig());
    var feed = new TrustedExecution(node.system(), executor, genesis.write(store));
    var sequencerKey = org.web3j.crypto.Credentials.create(zkchain.DevKeys.key(zkchain.DevKeys.SEQUENCER)).getEcKeyPair();

    // the feed: batches 1 and 2 as L1 has them, then 3..5 that L1 will never sequence
    zkchain.protocol.Hash32 root = l1.root(0);
    zkchain.protocol.Hash32 acc = zkchain.protocol.AccInputHash.GENESIS;
    for (long n = 1; n <= 5; n++) {
      var batch = n <= 2 ? l1.batch(n)
          : new zkchain.protocol.Batch(n, zkchain.protocol.BatchTransactions.encode(List.of()),
              l1.batch(2).timestamp(), l1.coinbase());
      root = executor.execute(root, batch).stateRoot();
      acc = zkchain.protocol.AccInputHash.next(acc, batch);
      var message = zkchain.protocol.FeedMessage.BatchMessage.signed(genesis.chainId(), batch, root, acc, sequencerKey);
      var outcome = feed.apply(message).toCompletableFuture().join();
      // 1 and 2 may be Virtual from L1 already: the feed's same version is then taken without executing it
      assertTrue(outcome == TrustedExecution.Outcome.RECORDED
          || (n <= 2 && outcome == TrustedExecution.Outcome.ALREADY_VIRTUAL), "batch " + n + ": " + outcome);
    }
    NodeLifecycleTest.assertHeads(node, 5, 2, 0);
    assertEquals(Stage.TRUSTED, batch(node, 5).stage());

    l1.sequence(1, 1); // L1's batch 3 carries transfers, the feed's none
    NodeLifecycleTest.assertHeads(node, 3, 3, 0); // 4 and 5 discarded: the Trusted head comes down
    BatchEntity.State reorged = batch(node, 3);
    assertEquals(Stage.VIRTUAL, reorged.stage());
    assertEquals(List.of("transactions"), reorged.current().trustedReorg().differingFields());
    assertEquals(l1.root(3).hex(), reorged.current().stateRoot(), "re-executed from the L1 data");
    assertTrue(TestNodes.eventually(SYNC_TIMEOUT, () -> batch(node, 5).stage() == Stage.NONE));
    assertEquals(Stage.NONE, batch(node, 4).stage());
    assertEquals("trusted-discarded", batch(node, 4).history().get(1).event());

    // the sequencer's corrected batch 4, built on L1's batch 3, is taken from the feed
    var corrected = new zkchain.protocol.Batch(4, zkchain.protocol.BatchTransactions.encode(List.of()),
        l1.batch(3).timestamp(), l1.coinbase());
    var correctedRoot = executor.execute(l1.root(3), corrected).stateRoot();
    var correctedMessage = zkchain.protocol.FeedMessage.BatchMessage.signed(genesis.chainId(), corrected, correctedRoot,
        zkchain.protocol.AccInputHash.next(l1.accInputHash(3), corrected), sequencerKey);
    assertEquals(TrustedExecution.Outcome.RECORDED, feed.apply(correctedMessage).toCompletableFuture().join());
    assertEquals(Stage.TRUSTED, batch(node, 4).stage());
    assertEquals(correctedRoot.hex(), batch(node, 4).current().stateRoot());
  }

  @Test
  void anL1ThatIsDownIsRetriedWhileHttpKeepsServing() throws Exception {
    l1.transfersPerBatch(1).sequence(2, 2);
    try (TcpProxy proxy = TcpProxy.to(anvil.port())) {
      proxy.down();
      ZkChainNode node = startNode(Map.of("zkchain.l1.url", proxy.url()));
      assertTrue(TestNodes.eventually(SYNC_TIMEOUT, () -> !status(node).get("l1").get("lastError").isNull()),
          "the failure shows in /status");
      assertEquals(404, get(node.httpUrl() + "/batches/1").status(), "HTTP keeps serving meanwhile");
      assertEquals(0, status(node).get("heads").get("virtual").asLong());

      proxy.up();
      awaitHeads(node, 4, 0);
      assertRootsMatchL1(node, 4);
      assertEquals(0, status(node).get("l1").get("lag").asLong());
    }
  }

  @Test
  void garbageTransactionsOnL1AreAllSkippedAndTheSyncGoesOn() {
    l1.transfersPerBatch(2).sequence(1, 2);
    l1.sequenceGarbage();
    l1.sequence(2, 1);
    ZkChainNode node = startNode(Map.of());
    awaitHeads(node, 5, 0);
    BatchEntity.State garbage = batch(node, 3);
    // the state keeps the keccak of the transactions; the journal keeps the bytes
    assertEquals(Hash32.keccak(Numeric.hexStringToByteArray("0xdeadbeef")),
        garbage.current().data().transactionsHash());
    assertEquals(batch(node, 2).current().stateRoot(), garbage.current().stateRoot(), "all skipped: root unchanged");
    assertRootsMatchL1(node, 5);
    l1.verifyAll();
    awaitHeads(node, 5, 5);
    assertNull(status(node).get("l1").get("lastError").textValue());
    assertNotNull(batch(node, 5).current().consolidatedL1());
  }
}
