package zkchain.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;
import zkchain.aggregator.AggregatorRole;
import zkchain.devnet.Anvil;
import zkchain.devnet.Components;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.l1.Deployer;
import zkchain.l1.L1Deployment;
import zkchain.l1.ZkChainRollup;
import zkchain.node.ZkChainNode;
import zkchain.sequencer.SequencerRole;

/**
 * A whole rollup for end-to-end tests, every part real: anvil as L1, the contracts, the trusted
 * sequencer, the trusted aggregator and nodes, each its own actor system and H2 database.
 */
public final class LocalRollup implements AutoCloseable {
  public static final Path GENESIS_FILE = Path.of("conf/genesis.json");

  private final Path dir;
  private final Components running = new Components();
  private final Anvil anvil;
  private final Path rollupFile;
  private final L1Deployment deployment;
  private SequencerRole sequencer;
  private AggregatorRole aggregator;
  private int nodes;

  public LocalRollup(Path dir) throws IOException {
    this.dir = dir;
    // An L1 with blocks (1 s), as the devnet's: inclusion on L1 takes time, the feed does not.
    this.anvil = Anvil.start("--block-time", "1");
    running.add(anvil);
    Genesis genesis = Genesis.load(GENESIS_FILE);
    this.rollupFile = dir.resolve("rollup.json");
    this.deployment = Deployer.run(anvil.url(), rollupFile, genesis.chainId(), genesis.write(new InMemoryNodeStore()).hex());
  }

  /** The settings of role {@code name} in this rollup (L1, deployment, quick polls), then {@code extra}. */
  public Map<String, Object> role(String name, Map<String, Object> extra) {
    Map<String, Object> o = new HashMap<>();
    o.put("zkchain.role", name);
    o.put("zkchain.l1.url", anvil.url());
    o.put("zkchain.l1.rollup-file", rollupFile.toString());
    o.put("zkchain.l1.poll-interval", "100ms");
    o.put("zkchain.sequencer.rpc.port", 0);
    o.put("zkchain.sequencer.batch.max-delay", "300ms");
    o.put("zkchain.sequencer.l1.interval", "500ms");
    o.put("zkchain.aggregator.interval", "500ms");
    o.putAll(extra);
    return o;
  }

  public SequencerRole startSequencer(Map<String, Object> extra) {
    sequencer = SequencerRole.start(TestNodes.config(dir.resolve("sequencer"), role("sequencer", extra)));
    running.add(sequencer);
    return sequencer;
  }

  public AggregatorRole startAggregator() {
    aggregator = AggregatorRole.start(TestNodes.config(dir.resolve("aggregator"), role("aggregator", Map.of())));
    running.add(aggregator);
    return aggregator;
  }

  /** A node following the given feeds (in failover order) and L1, in a data directory of its own. */
  public ZkChainNode startNode(String name, List<String> feeds) {
    return startNode(name, feeds, Map.of());
  }

  /** As {@link #startNode(String, List)}, with settings of the test's own on top. */
  public ZkChainNode startNode(String name, List<String> feeds, Map<String, Object> extra) {
    Map<String, Object> settings = new HashMap<>(Map.of("zkchain.feed.client.urls", feeds,
        "zkchain.feed.client.silence-timeout", "3s"));
    settings.putAll(extra);
    ZkChainNode node = ZkChainNode.start(TestNodes.config(dir.resolve(name), role("node", settings)));
    running.add(node);
    nodes++;
    return node;
  }

  /** The settings of a node following {@code feeds} and L1, for a node started in a JVM of its own. */
  public Map<String, Object> nodeSettings(List<String> feeds, Map<String, Object> extra) {
    Map<String, Object> o = new HashMap<>(Map.of("zkchain.feed.client.urls", feeds,
        "zkchain.feed.client.silence-timeout", "3s", "zkchain.http.port", 0, "akka.remote.artery.canonical.port", 0));
    o.putAll(extra);
    return role("node", o);
  }

  public static String feedUrl(ZkChainNode node) {
    return node.httpUrl().replace("http://", "ws://") + "/feed";
  }

  public ZkChainRollup l1View() {
    return ZkChainRollup.at(Web3j.build(new HttpService(anvil.url())), deployment.rollup());
  }

  /**
   * Waits until the sequencer's open batch closed and L1 has every closed batch sequenced and
   * verified; returns the last batch.
   */
  public long awaitSequencedAndVerified(SequencerRole sequencer) {
    ZkChainRollup l1 = l1View();
    long[] last = {-1};
    boolean done = TestNodes.eventually(java.time.Duration.ofSeconds(120), () -> {
      last[0] = sequencer.sequencer().head().toCompletableFuture().join().number();
      return last[0] > 0 && l1.lastBatchSequenced() == last[0] && l1.lastVerifiedBatch() == last[0];
    });
    if (!done) {
      throw new IllegalStateException("L1 has sequenced " + l1.lastBatchSequenced() + " and verified "
          + l1.lastVerifiedBatch() + " of the sequencer's " + last[0] + " batches");
    }
    return last[0];
  }

  /** L1's latest block number. */
  public long l1BlockNumber() {
    Web3j web3j = Web3j.build(new HttpService(anvil.url()));
    try {
      return web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } finally {
      web3j.shutdown();
    }
  }

  public L1Deployment deployment() {
    return deployment;
  }

  public Anvil anvil() {
    return anvil;
  }

  /**
   * Sends {@code count} transfers through the sequencer's JSON-RPC as a wallet does: chain id and
   * pending nonce from the endpoint, each transaction signed locally (legacy and EIP-1559 in
   * turn) and sent with eth_sendRawTransaction. Fails on the first refusal.
   */
  public List<String> sendTransfers(int count) throws IOException {
    return sendTransfers(sequencer.rpcUrl(), count);
  }

  /**
   * As {@link #sendTransfers(int)} to the JSON-RPC at {@code rpcUrl}; returns the hash of every
   * transaction the sequencer acknowledged, in order.
   */
  public static List<String> sendTransfers(String rpcUrl, int count) throws IOException {
    Web3j l2 = Web3j.build(new HttpService(rpcUrl));
    List<String> acknowledged = new java.util.ArrayList<>(count);
    try {
      long chainId = l2.ethChainId().send().getChainId().longValueExact();
      List<Credentials> wallets = List.of(4, 5, 6, 7, 8, 9).stream().map(i -> Credentials.create(DevKeys.key(i))).toList();
      long[] nonces = new long[wallets.size()];
      for (int w = 0; w < wallets.size(); w++) {
        nonces[w] = l2.ethGetTransactionCount(wallets.get(w).getAddress(), DefaultBlockParameterName.PENDING).send()
            .getTransactionCount().longValueExact();
      }
      for (int i = 0; i < count; i++) {
        int w = i % wallets.size();
        String to = String.format("0x%040x", 0x1000 + i % 300);
        BigInteger nonce = BigInteger.valueOf(nonces[w]++);
        BigInteger value = BigInteger.valueOf(1_000 + i);
        byte[] signed = i % 2 == 0
            ? TransactionEncoder.signMessage(RawTransaction.createEtherTransaction(nonce, BigInteger.ONE,
                BigInteger.valueOf(21_000), to, value), chainId, wallets.get(w))
            : TransactionEncoder.signMessage(RawTransaction.createEtherTransaction(chainId, nonce,
                BigInteger.valueOf(21_000), to, value, BigInteger.ONE, BigInteger.TWO), wallets.get(w));
        EthSendTransaction reply = l2.ethSendRawTransaction(Numeric.toHexString(signed)).send();
        if (reply.hasError()) {
          throw new IllegalStateException("transfer " + i + " refused: " + reply.getError().getMessage());
        }
        acknowledged.add(reply.getTransactionHash());
      }
      return acknowledged;
    } finally {
      l2.shutdown();
    }
  }

  /** Stops a component early (a killed upstream, a restarted node); close() skips it. */
  public void stop(AutoCloseable component) throws Exception {
    running.stop(component);
  }

  @Override
  public void close() {
    running.close();
  }
}
