package zkchain.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.l1.ZkChainRollup;
import zkchain.node.ZkChainNode;
import zkchain.testing.L1Ledger;
import zkchain.testing.LocalRollup;
import zkchain.testing.RoleJvm;
import zkchain.testing.TestNodes;

/**
 * A rollup whose trusted sequencer runs in a JVM of its own, so that a test can kill -9 it:
 * anvil, the contracts and nodes from {@link LocalRollup}, the sequencer from {@link RoleJvm} on
 * fixed ports (the nodes' feed URL and the wallets' JSON-RPC URL outlive a restart), control of
 * L1's mining, and an audit of what L1's sequenceBatches calls carry.
 */
final class SequencerJvmRollup implements AutoCloseable {
  static final Duration START = Duration.ofSeconds(90);
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SEQUENCER_ADDRESS = Credentials.create(DevKeys.key(DevKeys.SEQUENCER)).getAddress();

  final LocalRollup rollup;
  final RoleJvm sequencer;
  final ZkChainRollup view;
  private final HttpService l1Service;
  private final Web3j l1;
  private final int httpPort;
  private final int rpcPort;
  private Web3j l2;

  /** {@code settings} go over the test defaults (batches close after 300 ms, L1 is looked at every 500 ms). */
  SequencerJvmRollup(Path dir, Map<String, Object> settings) throws IOException {
    this.rollup = new LocalRollup(dir);
    this.l1Service = new HttpService(rollup.anvil().url());
    this.l1 = Web3j.build(l1Service);
    this.view = ZkChainRollup.at(l1, rollup.deployment().rollup());
    this.httpPort = zkchain.testing.NodeCluster.freePort();
    this.rpcPort = zkchain.testing.NodeCluster.freePort();
    Path data = dir.resolve("sequencer");
    Map<String, Object> s = new HashMap<>();
    s.put("zkchain.data-dir", data.toString());
    s.put("zkchain.l1.url", rollup.anvil().url());
    s.put("zkchain.l1.rollup-file", dir.resolve("rollup.json").toString());
    s.put("zkchain.http.port", httpPort);
    s.put("zkchain.sequencer.rpc.port", rpcPort);
    s.put("akka.remote.artery.canonical.port", 0);
    s.put("zkchain.sequencer.batch.max-delay", "300ms");
    s.put("zkchain.sequencer.l1.interval", "500ms");
    s.putAll(settings);
    this.sequencer = RoleJvm.of("sequencer", data, s);
  }

  /** Starts (or restarts, on the same database and ports) the sequencer and waits for its JSON-RPC. */
  void startSequencer() {
    sequencer.start(START);
    boolean rpc = TestNodes.eventually(START, () -> sequencer.rpcPort() > 0);
    assertTrue(rpc, "the sequencer bound its JSON-RPC; log " + sequencer.currentLog());
    if (l2 == null) l2 = Web3j.build(new HttpService(rpcUrl()));
  }

  /** kill -9, then a start on the same database. */
  void killAndRestartSequencer() {
    sequencer.kill();
    startSequencer();
  }

  String rpcUrl() {
    return "http://127.0.0.1:" + rpcPort;
  }

  String feedUrl() {
    return "ws://127.0.0.1:" + httpPort + "/feed";
  }

  /** The sequencer's last closed batch (eth_blockNumber). */
  long head() throws IOException {
    return l2.ethBlockNumber().send().getBlockNumber().longValueExact();
  }

  /** Waits until the open batch is empty (no wallet's pending nonce is above its latest); returns the head. */
  long awaitOpenBatchClosed() throws IOException {
    boolean closed = TestNodes.eventually(START, () -> TransferLoad.WALLETS.stream().allMatch(w -> {
      try {
        return l2.ethGetTransactionCount(w.getAddress(), DefaultBlockParameterName.PENDING).send().getTransactionCount()
            .equals(l2.ethGetTransactionCount(w.getAddress(), DefaultBlockParameterName.LATEST).send()
                .getTransactionCount());
      } catch (IOException e) {
        return false;
      }
    }));
    assertTrue(closed, "the sequencer closed its open batch");
    return head();
  }

  /** Stops L1 from mining: whatever is sent stays pending. */
  void pauseMining() {
    rollup.anvil().pauseMining();
  }

  /** A block a second again, as the rollup started. */
  void resumeMining() {
    rollup.anvil().mineEverySecond();
  }

  /** Whether a transaction of the sequencer key is in L1's pool: its pending nonce is above its mined one. */
  boolean sequencingPending() throws IOException {
    return nonce(DefaultBlockParameterName.PENDING) > nonce(DefaultBlockParameterName.LATEST);
  }

  private long nonce(DefaultBlockParameterName tag) throws IOException {
    return l1.ethGetTransactionCount(SEQUENCER_ADDRESS, tag).send().getTransactionCount().longValueExact();
  }



  /**
   * L1 holds batches 1..{@code last}, each once, no L2 transaction twice, and every acknowledged
   * transaction.
   */
  void assertOnL1Once(long last, Set<String> acknowledged) throws IOException {
    L1Ledger ledger = L1Ledger.read(view, rollup.deployment(), l1.ethBlockNumber().send().getBlockNumber()
        .longValueExact());
    assertEquals(0, ledger.transactionsOnL1MoreThanOnce(), "transactions L1 holds in more than one batch: the "
        + "same batch data sequenced twice");
    assertEquals(last, ledger.lastBatch, "L1 has every closed batch and no more");
    Map<String, List<Long>> notOnce = ledger.notExactlyOnce(acknowledged);
    assertTrue(notOnce.isEmpty(), notOnce.size() + " of " + acknowledged.size() + " acknowledged transactions "
        + "are not in exactly one batch on L1, among them " + notOnce.entrySet().stream().limit(5).toList());
  }

  /** Waits until {@code node} has every batch up to {@code head} Trusted and Virtual. */
  static void awaitTrustedAndVirtual(ZkChainNode node, long head) {
    boolean reached = TestNodes.eventually(START, () -> heads(node).equals(head + "/" + head));
    assertTrue(reached, node.httpUrl() + " has Trusted/Virtual heads " + heads(node) + ", expected " + head);
  }

  /**
   * A node's feed outcomes ({@code /status} feed.executed): no feed batch had another root,
   * accInputHash or parent than the node computed, or another version than L1's.
   */
  static void assertFeedMatchedL1(JsonNode executed) {
    for (String outcome : List.of("state-root-differs", "acc-input-hash-differs", "parent-unknown", "refused",
        "l1-differs")) {
      assertEquals(0, executed.path(outcome).asLong(), outcome + ": " + executed);
    }
  }

  private static String heads(ZkChainNode node) {
    try {
      JsonNode h = JSON.readTree(TestNodes.get(node.httpUrl() + "/status").body()).get("heads");
      return h.get("trusted").asLong() + "/" + h.get("virtual").asLong();
    } catch (IOException e) {
      return "unreadable: " + e;
    }
  }

  @Override
  public void close() {
    sequencer.close();
    if (l2 != null) l2.shutdown();
    l1.shutdown();
    rollup.close();
  }
}
