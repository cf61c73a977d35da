package zkchain.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.testing.TestNodes.eventually;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.Transfer;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Convert;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;
import zkchain.devnet.Devnet;
import zkchain.execution.Account;
import zkchain.execution.CachingNodeStore;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.NodeStore;
import zkchain.execution.WorldState;
import zkchain.infra.Database;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;
import zkchain.testing.TestNodes;

/**
 * The node's JSON-RPC against a devnet started here (anvil, contracts, sequencer, aggregator, the
 * node with JSON-RPC on), with unchanged clients: web3j from the classpath, and ethers and
 * @ethereumjs/mpt from npm in a Node script (src/test/resources/rpc/eth-client.js). The devnet's
 * own load is off: the test's transfers are the only ones, so the heads come to rest.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeJsonRpcTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(90);
  /** Senders of the test's transfers: dev keys the devnet's load generator is given but (at 0.001/s) hardly uses. */
  static final List<Credentials> SENDERS = List.of(5, 6, 7, 8, 9).stream().map(DevKeys::key).map(Credentials::create)
      .toList();

  static Path dir;
  static Devnet devnet;
  static String nodeRpc;
  static String sequencerRpc;
  static String l1Url;
  static String rollupAddress;
  static String status;
  static Web3j node;
  static Web3j sequencer;
  static NodeStore trie;
  static final List<String> touched = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startDevnet() throws Exception {
    dir = Files.createTempDirectory("node-json-rpc");
    Map<String, Object> flags = new HashMap<>();
    flags.put("zkchain.data-dir", dir.toString());
    flags.put("zkchain.http.port", 0);
    flags.put("zkchain.rpc.port", 0);
    flags.put("zkchain.rpc.max-batch", 10);
    flags.put("zkchain.rpc.max-body", "64 KiB");
    flags.put("zkchain.devnet.transfers-per-second", 0.001);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    devnet = Devnet.start(flags, null, new PrintStream(printed, true, StandardCharsets.UTF_8));
    String out = printed.toString(StandardCharsets.UTF_8);
    nodeRpc = find(out, "node JSON-RPC:\\s+(http://\\S+)");
    sequencerRpc = find(out, "sequencer:\\s+JSON-RPC (http://\\S+),");
    l1Url = find(out, "L1 \\(anvil\\):\\s+(http://\\S+)");
    rollupAddress = find(out, "rollup:\\s+(0x[0-9a-fA-F]{40})");
    status = devnet.node().httpUrl() + "/status";
    node = Web3j.build(new HttpService(nodeRpc));
    sequencer = Web3j.build(new HttpService(sequencerRpc));
    // the node's own trie, read as the node reads it
    trie = new CachingNodeStore(new JdbcNodeStore(Database.get(devnet.node().system()).dataSource()), 10_000);
    SENDERS.forEach(c -> touched.add(c.getAddress()));
  }

  @AfterAll
  static void stopDevnet() {
    if (node != null) node.shutdown();
    if (sequencer != null) sequencer.shutdown();
    if (devnet != null) devnet.close();
  }

  private static String find(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), "the devnet printed no " + regex + " in:\n" + text);
    return m.group(1);
  }

  @Test
  @Order(1)
  void sequencerReceiptsLetWalletsWaitForTheirTransfer() throws Exception {
    String to = recipient(1);
    TransactionReceipt receipt = transfer(sequencer, SENDERS.get(0), to, BigDecimal.valueOf(12345));
    assertTrue(receipt.isStatusOK());
    assertEquals(BigInteger.valueOf(21_000), receipt.getGasUsed());
    EthBlock.Block block = sequencer.ethGetBlockByNumber(DefaultBlockParameter.valueOf(receipt.getBlockNumber()), false)
        .send().getBlock();
    assertEquals(receipt.getBlockHash(), block.getHash());
    assertTrue(block.getTransactions().stream().anyMatch(t -> t.get().equals(receipt.getTransactionHash())));
    JsonNode raw = call(sequencerRpc, "eth_getTransactionByHash", receipt.getTransactionHash());
    var answer = sequencer.ethGetTransactionByHash(receipt.getTransactionHash()).send();
    var tx = answer.getTransaction().orElseThrow(() -> new AssertionError("web3j read no transaction from "
        + raw + (answer.hasError() ? ", error " + answer.getError().getMessage() : "")));
    assertEquals(SENDERS.get(0).getAddress(), tx.getFrom());

    JsonNode ethers = script("send", sequencerRpc, key(SENDERS.get(1)), recipient(2), "777");
    assertEquals(1, ethers.get("status").asInt(), ethers.toString());
    assertEquals("21000", ethers.get("gasUsed").asText());
    touched.add(recipient(1));
    touched.add(recipient(2));
  }

  @Test
  @Order(2)
  void aTransferSentThroughTheNodeGetsAReceiptAndNewHeadsDeliversEachTrustedBlock() throws Exception {
    List<JsonNode> heads = new CopyOnWriteArrayList<>();
    WebSocket ws = subscribeNewHeads(heads);
    long from = number(call(nodeRpc, "eth_blockNumber"));

    TransactionReceipt viaWeb3j = transfer(node, SENDERS.get(2), recipient(3), BigDecimal.valueOf(4242));
    assertTrue(viaWeb3j.isStatusOK());
    JsonNode viaEthers = script("send", nodeRpc, key(SENDERS.get(3)), recipient(4), "99");
    assertEquals(1, viaEthers.get("status").asInt(), viaEthers.toString());
    touched.add(recipient(3));
    touched.add(recipient(4));
    // the node's receipt is the block the node itself holds
    var tx = node.ethGetTransactionByHash(viaWeb3j.getTransactionHash()).send().getTransaction().orElseThrow();
    assertEquals(viaWeb3j.getBlockHash(), tx.getBlockHash());
    JsonNode outcome = call(nodeRpc, "zkchain_getTransactionOutcome", viaWeb3j.getTransactionHash());
    assertEquals("applied", outcome.get("outcome").asText());

    long to = number(call(nodeRpc, "eth_blockNumber"));
    assertTrue(to > from, "no new block after two transfers");
    assertTrue(eventually(WAIT, () -> heads.stream().anyMatch(h -> number(h.get("number")) >= to)),
        "newHeads did not reach block " + to + ": " + heads);
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    List<Long> numbers = heads.stream().map(h -> number(h.get("number"))).toList();
    long first = numbers.get(0);
    for (int i = 0; i < numbers.size(); i++) assertEquals(first + i, numbers.get(i), "each block once, in order: " + numbers);
    assertTrue(first <= from + 1, "newHeads skipped blocks after " + from + ": " + numbers);
    for (JsonNode h : heads) {
      JsonNode block = call(nodeRpc, "eth_getBlockByNumber", h.get("number").asText(), false);
      assertEquals(block.get("hash").asText(), h.get("hash").asText());
    }
  }

  @Test
  @Order(3)
  void tagsBalancesNoncesAndHashesAgreeWithTheNodesTrieAtItsHeads() throws Exception {
    // heads moving: every tag names a block within the heads /status shows around the call
    for (int round = 0; round < 3; round++) {
      sendSome(2);
      JsonNode before = heads();
      Map<String, EthBlock.Block> byTag = new HashMap<>();
      for (var tag : List.of(DefaultBlockParameterName.LATEST, DefaultBlockParameterName.SAFE,
          DefaultBlockParameterName.FINALIZED)) {
        byTag.put(tag.getValue(), node.ethGetBlockByNumber(tag, false).send().getBlock());
      }
      JsonNode after = heads();
      assertWithin(byTag.get("latest"), before.get("trusted"), after.get("trusted"));
      assertWithin(byTag.get("safe"), before.get("virtual"), after.get("virtual"));
      assertTrue(byTag.get("finalized").getNumber().longValue() <= after.get("consolidated").asLong());
      for (EthBlock.Block b : byTag.values()) assertAccountsAt(DefaultBlockParameter.valueOf(b.getNumber()), b);
    }
    // at rest: the tags themselves, and the heads of /status
    assertTrue(eventually(WAIT, () -> {
      try {
        JsonNode h = heads();
        long finalized = node.ethGetBlockByNumber(DefaultBlockParameterName.FINALIZED, false).send().getBlock()
            .getNumber().longValue();
        return h.get("consolidated").asLong() == h.get("trusted").asLong() && finalized == h.get("trusted").asLong();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }), "the heads did not come to rest with every batch Consolidated and finalized on L1");
    JsonNode h = heads();
    for (var tag : List.of(DefaultBlockParameterName.LATEST, DefaultBlockParameterName.SAFE,
        DefaultBlockParameterName.FINALIZED, DefaultBlockParameterName.PENDING)) {
      EthBlock.Block b = node.ethGetBlockByNumber(tag, true).send().getBlock();
      assertEquals(h.get("trusted").asLong(), b.getNumber().longValue(), tag.getValue());
      assertAccountsAt(tag, b);
    }
    JsonNode hashes = script("hashes", nodeRpc);
    assertEquals(0, hashes.get("mismatches").size(), hashes.toString());
    assertTrue(hashes.get("checked").asLong() > h.get("trusted").asLong());
  }

  @Test
  @Order(4)
  void accountProofsVerifyAgainstTheBlockRootAndTheRootL1Stored() throws Exception {
    EthBlock.Block latest = node.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
    for (String address : List.of(SENDERS.get(0).getAddress(), recipient(1), recipient(999_999))) {
      JsonNode p = script("proof", nodeRpc, address, Numeric.encodeQuantity(latest.getNumber()), latest.getStateRoot());
      assertTrue(p.get("verified").asBoolean(), p.toString());
      Account own = WorldState.open(trie, Hash32.of(latest.getStateRoot())).account(Address.of(address));
      assertEquals(own.nonce(), p.get("nonce").asLong(), p.toString());
      assertEquals(own.balance().toString(), p.get("balance").asText(), p.toString());
    }
    // a Consolidated block that ends a verified range: L1 stores its root
    long verified = lastVerifiedBatch();
    assertTrue(verified > 0);
    String l1Root = batchNumToStateRoot(verified);
    EthBlock.Block block = node.ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.valueOf(verified)), false)
        .send().getBlock();
    assertEquals(l1Root, block.getStateRoot());
    JsonNode p = script("proof", nodeRpc, SENDERS.get(0).getAddress(), Numeric.encodeQuantity(block.getNumber()), l1Root);
    assertTrue(p.get("verified").asBoolean(), p.toString());
    assertTrue(p.get("present").asBoolean(), p.toString());
  }

  @Test
  @Order(5)
  void zkevmMethodsAnswerTheHeadsOfStatus() throws Exception {
    JsonNode h = heads();
    assertEquals(h.get("trusted").asLong(), number(call(nodeRpc, "zkevm_batchNumber")));
    assertEquals(h.get("virtual").asLong(), number(call(nodeRpc, "zkevm_virtualBatchNumber")));
    assertEquals(h.get("consolidated").asLong(), number(call(nodeRpc, "zkevm_verifiedBatchNumber")));
    long head = h.get("trusted").asLong();
    assertTrue(call(nodeRpc, "zkevm_getBatchByNumber", Numeric.encodeQuantity(BigInteger.valueOf(head + 1))).isNull());
    assertTrue(call(nodeRpc, "eth_getBlockByNumber", Numeric.encodeQuantity(BigInteger.valueOf(head + 1)), false)
        .isNull());
    JsonNode batch = call(nodeRpc, "zkevm_getBatchByNumber", Numeric.encodeQuantity(BigInteger.valueOf(head)));
    JsonNode block = call(nodeRpc, "eth_getBlockByNumber", Numeric.encodeQuantity(BigInteger.valueOf(head)), false);
    assertEquals(block.get("stateRoot"), batch.get("stateRoot"));
    assertEquals(block.get("extraData"), batch.get("accInputHash"));
    assertFalse(batch.get("sendSequencesTxHash").isNull());
    assertFalse(batch.get("verifyBatchTxHash").isNull());
    assertTrue(batch.get("closed").asBoolean());
    assertTrue(call(nodeRpc, "zkevm_isBlockConsolidated", Numeric.encodeQuantity(BigInteger.valueOf(head))).asBoolean());
    assertFalse(call(nodeRpc, "zkevm_isBlockVirtualized", Numeric.encodeQuantity(BigInteger.valueOf(head + 1)))
        .asBoolean());
    assertTrue(call(nodeRpc, "eth_getTransactionReceipt", "0x" + "ab".repeat(32)).isNull());
  }

  @Test
  @Order(6)
  void badRequestsGetTheStandardErrorsAndTheNodeGoesOn() throws Exception {
    assertError(TestNodes.post(nodeRpc, "{\"jsonrpc\":\"2.0\",\"id\":1,"), JsonRpc.PARSE_ERROR);
    assertError(TestNodes.post(nodeRpc, rpc("eth_noSuchMethod")), JsonRpc.METHOD_NOT_FOUND);
    assertError(TestNodes.post(nodeRpc, rpc("eth_getBalance", "0x1234", "latest")), JsonRpc.INVALID_PARAMS);
    assertError(TestNodes.post(nodeRpc, rpc("eth_getBlockByNumber", "newest", false)), JsonRpc.INVALID_PARAMS);
    assertError(TestNodes.post(nodeRpc, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":["
        + "\"" + "a".repeat(70_000) + "\"]}"), JsonRpc.INVALID_REQUEST);
    List<String> calls = new ArrayList<>();
    for (int i = 0; i < 11; i++) calls.add(rpc("eth_blockNumber"));
    assertError(TestNodes.post(nodeRpc, "[" + String.join(",", calls) + "]"), JsonRpc.INVALID_REQUEST);
    // a batch within the cap, with a notification, which gets no answer
    var ok = TestNodes.post(nodeRpc, "[" + rpc("eth_chainId") + ",{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\"}]");
    assertEquals(200, ok.status());
    assertEquals(1, JSON.readTree(ok.body()).size());
    assertEquals(200, TestNodes.get(status).status());
    assertTrue(number(call(nodeRpc, "eth_blockNumber")) > 0);
  }

  // ---- helpers ----

  private static void assertError(TestNodes.Response r, int code) throws Exception {
    assertEquals(200, r.status(), r.body());
    JsonNode answer = JSON.readTree(r.body());
    assertEquals(code, answer.path("error").path("code").asInt(), r.body());
  }

  private static void assertWithin(EthBlock.Block b, JsonNode low, JsonNode high) {
    long n = b.getNumber().longValue();
    assertTrue(n >= low.asLong() && n <= high.asLong(), "block " + n + " not within heads " + low + ".." + high);
  }

  /** Every account the test touched, at the block: the node's RPC answers what its trie holds at the block's root. */
  private void assertAccountsAt(DefaultBlockParameter at, EthBlock.Block block) throws Exception {
    WorldState state = WorldState.open(trie, Hash32.of(block.getStateRoot()));
    List<String> accounts = new ArrayList<>(touched);
    accounts.add(block.getMiner());
    for (String a : accounts) {
      Account own = state.account(Address.of(a));
      assertEquals(own.balance(), node.ethGetBalance(a, at).send().getBalance(), a + " at " + at.getValue());
      if (!"pending".equals(at.getValue())) {
        assertEquals(BigInteger.valueOf(own.nonce()), node.ethGetTransactionCount(a, at).send().getTransactionCount(),
            a + " at " + at.getValue());
      }
    }
  }

  /**
   * web3j's {@code Transfer.sendFunds} with a transaction manager that signs for the chain (EIP-155, as
   * §2 requires; web3j's static shortcut signs without a chain id) and polls for the receipt every 200 ms.
   */
  static TransactionReceipt transfer(Web3j web3j, Credentials from, String to, BigDecimal wei) throws Exception {
    long chainId = web3j.ethChainId().send().getChainId().longValueExact();
    var manager = new RawTransactionManager(web3j, from, chainId,
        new PollingTransactionReceiptProcessor(web3j, 200, 300));
    return new Transfer(web3j, manager).sendFunds(to, wei, Convert.Unit.WEI).send();
  }

  private void sendSome(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      transfer(node, SENDERS.get(4), recipient(10 + i), BigDecimal.ONE);
      touched.add(recipient(10 + i));
    }
  }

  private static JsonNode heads() throws Exception {
    return JSON.readTree(TestNodes.get(status).body()).get("heads");
  }

  private static String rpc(String method, Object... params) {
    try {
      return JSON.writeValueAsString(Map.of("jsonrpc", "2.0", "id", 1, "method", method, "params", List.of(params)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode call(String url, String method, Object... params) {
    try {
      JsonNode answer = JSON.readTree(TestNodes.post(url, rpc(method, params)).body());
      if (answer.has("error")) throw new IllegalStateException(method + ": " + answer.get("error"));
      return answer.get("result");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static long number(JsonNode quantity) {
    return Numeric.decodeQuantity(quantity.asText()).longValueExact();
  }

  private static String recipient(long i) {
    return new Address(java.util.Arrays.copyOfRange(Hash32.keccak(("node-json-rpc-" + i).getBytes(StandardCharsets.UTF_8))
        .bytes(), 12, 32)).hex();
  }

  private static String key(Credentials c) {
    return Numeric.toHexStringWithPrefixZeroPadded(c.getEcKeyPair().getPrivateKey(), 64);
  }

  private WebSocket subscribeNewHeads(List<JsonNode> heads) throws Exception {
    List<JsonNode> answers = new CopyOnWriteArrayList<>();
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create(nodeRpc.replace("http://", "ws://")), new WebSocket.Listener() {
          final StringBuilder partial = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
              try {
                JsonNode m = JSON.readTree(partial.toString());
                if ("eth_subscription".equals(m.path("method").asText())) heads.add(m.get("params").get("result"));
                else answers.add(m);
              } catch (Exception e) {
                answers.add(JSON.createObjectNode().put("unparsable", partial.toString()));
              }
              partial.setLength(0);
            }
            webSocket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    ws.sendText(rpc("eth_subscribe", "newHeads"), true).get(10, TimeUnit.SECONDS);
    assertTrue(eventually(Duration.ofSeconds(10), () -> !answers.isEmpty()));
    assertTrue(answers.get(0).get("result").asText().startsWith("0x"), answers.toString());
    // a malformed message on the socket gets its error and the subscription goes on
    ws.sendText("{not json", true).get(10, TimeUnit.SECONDS);
    assertTrue(eventually(Duration.ofSeconds(10), () -> answers.size() == 2));
    assertEquals(JsonRpc.PARSE_ERROR, answers.get(1).path("error").path("code").asInt(), answers.toString());
    return ws;
  }

  private static long lastVerifiedBatch() throws Exception {
    return ethCall(new Function("lastVerifiedBatch", List.of(), List.of(new TypeReference<Uint64>() {})))
        .longValueExact();
  }

  private static String batchNumToStateRoot(long n) throws Exception {
    Web3j l1 = Web3j.build(new HttpService(l1Url));
    try {
      String data = FunctionEncoder.encode(new Function("batchNumToStateRoot", List.of(new Uint64(n)),
          List.of(new TypeReference<Bytes32>() {})));
      return l1.ethCall(Transaction.createEthCallTransaction(null, rollupAddress, data),
          DefaultBlockParameterName.LATEST).send().getValue();
    } finally {
      l1.shutdown();
    }
  }

  private static BigInteger ethCall(Function f) throws Exception {
    Web3j l1 = Web3j.build(new HttpService(l1Url));
    try {
      String value = l1.ethCall(Transaction.createEthCallTransaction(null, rollupAddress, FunctionEncoder.encode(f)),
          DefaultBlockParameterName.LATEST).send().getValue();
      return Numeric.toBigInt(value);
    } finally {
      l1.shutdown();
    }
  }

  /** Runs the Node client script with the project's node_modules; its one JSON line. */
  static JsonNode script(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("node", Path.of("src/test/resources/rpc/eth-client.js").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    String last = out.lines().reduce((a, b) -> b).orElse("");
    assertEquals(0, p.exitValue(), out);
    JsonNode result = JSON.readTree(last);
    assertNotNull(result);
    return result;
  }
}
