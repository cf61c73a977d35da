package zkchain.http;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.Config;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.utils.Numeric;
import zkchain.batch.BatchEntity;
import zkchain.batch.BatchJournal;
import zkchain.batch.LiveHeads;
import zkchain.batch.StageHeads;
import zkchain.execution.Account;
import zkchain.execution.JdbcBlockHashes;
import zkchain.execution.L2Block;
import zkchain.execution.L2Chain;
import zkchain.execution.MerklePatriciaTrie;
import zkchain.execution.TransactionIndex;
import zkchain.execution.TransactionOutcome;
import zkchain.execution.WorldState;
import zkchain.http.JsonRpc.RpcError;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.Hash32;
import zkchain.runtime.Rollup;

/**
 * The node's Ethereum and zkevm JSON-RPC (PROTOCOL.md §8) on the shared {@link JsonRpc} layer:
 * batch n is block n; the tags map to the stage heads (latest and pending: Trusted; safe:
 * Virtual; finalized: the highest Consolidated batch verified in an L1 block at or below L1's
 * finalized block); balances, nonces and proofs are read from the node's own trie at the block's
 * state root. A hash or number the node does not have is null, never an error.
 */
public final class NodeRpc implements JsonRpc.Methods {
  static final String CLIENT_VERSION = "zk-chain/0.1.0";

  /** {@code zkchain.rpc} (conf/application.conf). */
  public record Settings(boolean enabled, String host, int port, int maxBatch, int maxBodyBytes,
                         String sequencerUrl, Duration timeout) {
    public static Settings from(Config config) {
      Config c = config.getConfig("zkchain.rpc");
      return new Settings(c.getBoolean("enabled"), c.getString("host"), c.getInt("port"), c.getInt("max-batch"),
          (int) c.getBytes("max-body").longValue(), c.getString("sequencer-url"), c.getDuration("timeout"));
    }

    public JsonRpc.Limits limits() {
      return new JsonRpc.Limits(maxBatch, maxBodyBytes, timeout);
    }
  }

  private final ActorSystem<?> system;
  private final Rollup rollup;
  private final DataSource dataSource;
  private final Executor blocking;
  private final BatchJournal journal;
  private final L2Chain chain;
  private final Settings settings;
  private final Web3j l1;
  private final Supplier<Map<String, Object>> l1Status;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final NewHeads newHeads;
  private volatile Finalized finalized = new Finalized(-1, 0, 0, 0);

  /** The last finalized answer: L1's finalized block and the heads it was worked out from. */
  private record Finalized(long l1Finalized, long consolidatedHead, long batch, long readAtMillis) {}

  /**
   * @param l1 the L1 client, for L1's finalized block (null: no L1, finalized = 0)
   * @param l1Status the ingest's last "l1" section of /status, for eth_syncing
   */
  public NodeRpc(ActorSystem<?> system, Rollup rollup, DataSource dataSource, Web3j l1,
                 Supplier<Map<String, Object>> l1Status, Settings settings) {
    this.system = system;
    this.rollup = rollup;
    this.dataSource = dataSource;
    this.blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.rpc.dispatcher"));
    this.journal = new BatchJournal(system);
    this.settings = settings;
    this.l1 = l1;
    this.l1Status = l1Status;
    this.chain = new L2Chain(this::entry, rollup.store(), rollup.genesis().chainConfig(), rollup.genesisRoot(),
        new JdbcBlockHashes(dataSource));
    this.newHeads = new NewHeads(system, chain, blocking);
  }

  public L2Chain chain() {
    return chain;
  }

  @Override
  public CompletionStage<JsonNode> call(String method, Params p, JsonRpc.Session session) {
    return switch (method) {
      case "web3_clientVersion" -> now(p.expect(0, 0), new TextNode(CLIENT_VERSION));
      case "eth_chainId" -> now(p.expect(0, 0), EthJson.quantity(rollup.chainId()));
      case "net_version" -> now(p.expect(0, 0), new TextNode(Long.toString(rollup.chainId())));
      case "eth_blockNumber" -> now(p.expect(0, 0), EthJson.quantity(heads().trusted()));
      case "eth_syncing" -> now(p.expect(0, 0), syncing());
      case "eth_gasPrice", "eth_maxPriorityFeePerGas" -> now(p.expect(0, 0), EthJson.quantity(0));
      case "eth_feeHistory" -> feeHistory(p.expect(2, 3));
      case "eth_estimateGas" -> now(p.expect(1, 2), estimateGas(p));
      case "eth_getBlockByNumber" -> blockByNumber(p.expect(1, 2));
      case "eth_getBlockByHash" -> blocking(() -> {
        Hash32 hash = p.expect(1, 2).hash(0);
        boolean full = p.bool(1, false);
        return chain.blockByHash(hash).filter(this::onChain).<JsonNode>map(b -> EthJson.block(b, full))
            .orElse(NullNode.instance);
      });
      case "eth_getBlockTransactionCountByNumber" -> atBlock(p.expect(1, 1), 0,
          b -> EthJson.quantity(b.block().transactions().size()));
      case "eth_getBlockTransactionCountByHash" -> blocking(() -> chain.blockByHash(p.expect(1, 1).hash(0))
          .filter(this::onChain).<JsonNode>map(b -> EthJson.quantity(b.block().transactions().size()))
          .orElse(NullNode.instance));
      case "eth_getBlockReceipts" -> atBlock(p.expect(1, 1), 0, b -> {
        ArrayNode receipts = JsonRpc.NODES.arrayNode();
        b.block().transactions().forEach(t -> receipts.add(EthJson.receipt(b, t)));
        return receipts;
      });
      case "eth_getBalance" -> account(p.expect(1, 2), a -> EthJson.quantity(a.balance()));
      case "eth_getTransactionCount" -> transactionCount(p.expect(1, 2));
      case "eth_getCode" -> account(p.expect(1, 2), a -> new TextNode("0x"));
      case "eth_getProof" -> proof(p.expect(2, 3));
      case "eth_getTransactionByHash" -> transaction(p.expect(1, 1), false);
      case "eth_getTransactionReceipt" -> transaction(p.expect(1, 1), true);
      case "eth_sendRawTransaction" -> relay(method, p.expect(1, 1));
      case "eth_subscribe" -> subscribe(p.expect(1, 2), session);
      case "eth_unsubscribe" -> now(p.expect(1, 1), BooleanNode.valueOf(
          newHeads.unsubscribe(p.text(0, Params.quantityPattern(), "a subscription id"))));
      case "zkevm_batchNumber" -> now(p.expect(0, 0), EthJson.quantity(heads().trusted()));
      case "zkevm_virtualBatchNumber" -> now(p.expect(0, 0), EthJson.quantity(heads().virtual()));
      case "zkevm_verifiedBatchNumber" -> now(p.expect(0, 0), EthJson.quantity(heads().consolidated()));
      case "zkevm_isBlockVirtualized" -> now(p.expect(1, 1),
          BooleanNode.valueOf(p.quantity(0).compareTo(BigInteger.valueOf(heads().virtual())) <= 0));
      case "zkevm_isBlockConsolidated" -> now(p.expect(1, 1),
          BooleanNode.valueOf(p.quantity(0).compareTo(BigInteger.valueOf(heads().consolidated())) <= 0));
      case "zkevm_batchNumberByBlockNumber" -> {
        BigInteger n = p.expect(1, 1).quantity(0);
        yield now(p, n.compareTo(BigInteger.valueOf(heads().trusted())) <= 0 ? EthJson.quantity(n) : NullNode.instance);
      }
      case "zkevm_getBatchByNumber" -> batchByNumber(p.expect(1, 2));
      case "zkchain_getTransactionOutcome" -> outcome(p.expect(1, 1));
      default -> throw RpcError.methodNotFound(method);
    };
  }

  // ---- blocks and tags ----

  private StageHeads.Heads heads() {
    return LiveHeads.get(system).heads();
  }

  /**
   * The block number a tag, a quantity or an EIP-1898 object names; empty above the Trusted head
   * (no such block yet) or for a hash that is no current block.
   */
  private OptionalLong number(Params p, int i) {
    JsonNode tag = p.get(i);
    if (!p.has(i)) return OptionalLong.of(heads().trusted());
    if (tag.isObject()) {
      if (tag.has("blockHash")) {
        String hash = Params.field(tag, "blockHash", Params.hashPattern(), "a hash").orElseThrow();
        return chain.blockByHash(Hash32.of(hash)).filter(this::onChain)
            .map(b -> OptionalLong.of(b.number())).orElse(OptionalLong.empty());
      }
      String n = Params.field(tag, "blockNumber", Params.quantityPattern(), "a quantity").orElseThrow(() ->
          RpcError.invalidParams("a block object needs blockNumber or blockHash (EIP-1898)"));
      return below(Numeric.decodeQuantity(n));
    }
    if (!tag.isTextual()) throw RpcError.invalidParams("a block is a tag, a quantity or an EIP-1898 object");
    return switch (tag.textValue()) {
      case "latest", "pending" -> OptionalLong.of(heads().trusted());
      case "safe" -> OptionalLong.of(heads().virtual());
      case "finalized" -> OptionalLong.of(finalizedBatch());
      case "earliest" -> OptionalLong.of(0);
      default -> below(p.quantity(i));
    };
  }

  private OptionalLong below(BigInteger n) {
    return n.compareTo(BigInteger.valueOf(heads().trusted())) <= 0 ? OptionalLong.of(n.longValueExact())
        : OptionalLong.empty();
  }

  /** A block found by hash is answered while its batch is within the Trusted head. */
  private boolean onChain(L2Chain.Block b) {
    return b.number() <= heads().trusted();
  }

  private CompletionStage<JsonNode> blockByNumber(Params p) {
    boolean full = p.bool(1, false);
    return atBlock(p, 0, b -> EthJson.block(b, full));
  }

  /** The block parameter {@code i} names, rendered; null when there is none. */
  private CompletionStage<JsonNode> atBlock(Params p, int i, java.util.function.Function<L2Chain.Block, JsonNode> render) {
    return blocking(() -> {
      OptionalLong n = number(p, i);
      if (n.isEmpty()) return NullNode.instance;
      return chain.block(n.getAsLong()).map(render).orElse(NullNode.instance);
    });
  }

  /**
   * The highest Consolidated batch whose verification sits in an L1 block at or below L1's own
   * finalized block (§8). Verification is in batch order, so the L1 blocks that consolidated the
   * batches never decrease with the batch number: a binary search over the Consolidated head.
   * Worked out again when L1's finalized block or the Consolidated head moves, at most once a second.
   */
  private long finalizedBatch() {
    long consolidatedHead = heads().consolidated();
    Finalized last = finalized;
    if (last.consolidatedHead() == consolidatedHead && System.currentTimeMillis() - last.readAtMillis() < 1000) {
      return last.batch();
    }
    long l1Finalized = l1FinalizedBlock();
    if (last.consolidatedHead() == consolidatedHead && last.l1Finalized() == l1Finalized) {
      finalized = new Finalized(l1Finalized, consolidatedHead, last.batch(), System.currentTimeMillis());
      return last.batch();
    }
    long lo = Math.min(Math.max(last.l1Finalized() <= l1Finalized ? last.batch() : 0, 0), consolidatedHead);
    long hi = consolidatedHead;
    while (lo < hi) {
      long mid = lo + (hi - lo + 1) / 2;
      BatchEntity.L1Ref ref = state(mid).current().consolidatedL1();
      if (ref != null && ref.blockNumber() <= l1Finalized) lo = mid;
      else hi = mid - 1;
    }
    finalized = new Finalized(l1Finalized, consolidatedHead, lo, System.currentTimeMillis());
    return lo;
  }

  private long l1FinalizedBlock() {
    if (l1 == null) return -1;
    try {
      var block = l1.ethGetBlockByNumber(DefaultBlockParameterName.FINALIZED, false).send().getBlock();
      return block == null ? -1 : block.getNumber().longValueExact();
    } catch (Exception e) {
      throw new IllegalStateException("cannot read L1's finalized block: " + e.getMessage(), e);
    }
  }

  // ---- batches as the chain sees them ----

  private BatchEntity.State state(long number) {
    try {
      return AskPattern.<BatchEntity.Command, BatchEntity.State>ask(BatchEntity.ref(system, number),
              BatchEntity.Get::new, settings.timeout(), system.scheduler())
          .toCompletableFuture().get(settings.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("batch " + number + " did not answer: " + e, e);
    }
  }

  /** The current version of batch {@code number} with its transactions from the journal; empty when none. */
  private Optional<L2Chain.Entry> entry(long number) {
    BatchEntity.State s = state(number);
    BatchEntity.Core c = s.current();
    if (c.stage() == BatchEntity.Stage.NONE || c.data() == null) return Optional.empty();
    BatchEntity.BatchData d = c.data();
    byte[] transactions;
    try {
      transactions = journal.transactionsOf(number, d.transactionsHash()).toCompletableFuture()
          .get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
          .orElseThrow(() -> new IllegalStateException("the journal of batch " + number + " lacks its transactions "
              + d.transactionsHash()));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot read batch " + number + "'s transactions: " + e, e);
    }
    Batch batch = new Batch(number, transactions, d.timestamp(), Address.of(d.coinbase()));
    return Optional.of(new L2Chain.Entry(batch, Hash32.of(c.stateRoot()), Hash32.of(c.accInputHash())));
  }

  // ---- state ----

  private CompletionStage<JsonNode> account(Params p, java.util.function.Function<Account, JsonNode> render) {
    Address address = p.address(0);
    return blocking(() -> {
      OptionalLong n = number(p, 1);
      if (n.isEmpty()) return NullNode.instance;
      Optional<Hash32> root = stateRoot(n.getAsLong());
      return root.map(r -> render.apply(WorldState.open(rollup.store(), r).account(address))).orElse(NullNode.instance);
    });
  }

  private Optional<Hash32> stateRoot(long number) {
    if (number == 0) return Optional.of(rollup.genesisRoot());
    String root = state(number).current().stateRoot();
    return Optional.ofNullable(root).map(Hash32::of);
  }

  /** "pending" is the sequencer's (its open batch), when the node knows the sequencer; else latest. */
  private CompletionStage<JsonNode> transactionCount(Params p) {
    if (p.has(1) && "pending".equals(p.get(1).asText()) && !settings.sequencerUrl().isEmpty()) {
      p.address(0);
      return relay("eth_getTransactionCount", p);
    }
    return account(p, a -> EthJson.quantity(a.nonce()));
  }

  private CompletionStage<JsonNode> proof(Params p) {
    Address address = p.address(0);
    JsonNode keys = p.get(1);
    if (!keys.isArray()) throw RpcError.invalidParams("eth_getProof parameter 2 must be an array of storage keys");
    keys.forEach(k -> {
      if (!k.isTextual() || !Params.bytesPattern().matcher(k.textValue()).matches() || k.textValue().length() > 66) {
        throw RpcError.invalidParams("a storage key must be 0x-prefixed hex of at most 32 bytes");
      }
    });
    return blocking(() -> {
      OptionalLong n = number(p, 2);
      if (n.isEmpty()) return NullNode.instance;
      Optional<Hash32> root = stateRoot(n.getAsLong());
      if (root.isEmpty()) return NullNode.instance;
      MerklePatriciaTrie trie = MerklePatriciaTrie.open(rollup.store(), root.get());
      Account account = WorldState.open(rollup.store(), root.get()).account(address);
      ObjectNode o = JsonRpc.NODES.objectNode();
      o.put("address", address.hex());
      ArrayNode nodes = o.putArray("accountProof");
      trie.proof(Hash32.keccak(address.bytes()).bytes()).forEach(node -> nodes.add(Numeric.toHexString(node)));
      o.set("balance", EthJson.quantity(account.balance()));
      o.put("codeHash", "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
      o.set("nonce", EthJson.quantity(account.nonce()));
      o.put("storageHash", MerklePatriciaTrie.EMPTY_ROOT.hex());
      ArrayNode storage = o.putArray("storageProof");
      // no contract storage in version 1: every slot is zero, proven by the empty storage trie
      keys.forEach(k -> {
        ObjectNode s = storage.addObject();
        s.put("key", k.textValue());
        s.set("value", EthJson.quantity(0));
        s.putArray("proof");
      });
      return o;
    });
  }

  // ---- transactions ----

  private CompletionStage<JsonNode> transaction(Params p, boolean receipt) {
    Hash32 hash = p.hash(0);
    return blocking(() -> TransactionIndex.locate(dataSource, chain, hash)
        .filter(f -> onChain(f.block()))
        .flatMap(f -> f.included().map(t -> (JsonNode) (receipt ? EthJson.receipt(f.block(), t)
            : EthJson.transaction(f.block(), t))))
        .orElse(NullNode.instance));
  }

  /** zkchain_getTransactionOutcome: applied or skipped (with the §2 reason) in its batch. */
  private CompletionStage<JsonNode> outcome(Params p) {
    Hash32 hash = p.hash(0);
    return blocking(() -> TransactionIndex.locate(dataSource, chain, hash).filter(f -> onChain(f.block())).map(f -> {
      ObjectNode o = JsonRpc.NODES.objectNode();
      o.put("hash", hash.hex());
      o.set("batch", EthJson.quantity(f.block().number()));
      o.set("batchIndex", EthJson.quantity(f.outcome().index()));
      if (f.outcome() instanceof TransactionOutcome.Skipped skipped) {
        o.put("outcome", "skipped");
        o.put("reason", skipped.reason().word());
        o.put("detail", skipped.detail());
      } else {
        L2Block.Included t = f.included().orElseThrow();
        o.put("outcome", "applied");
        o.put("blockHash", f.block().hash().hex());
        o.set("blockNumber", EthJson.quantity(f.block().number()));
        o.set("transactionIndex", EthJson.quantity(t.index()));
      }
      return (JsonNode) o;
    }).orElse(NullNode.instance));
  }

  /** eth_sendRawTransaction (and the pending nonce) as the sequencer answers it, result or error. */
  private CompletionStage<JsonNode> relay(String method, Params p) {
    if (method.equals("eth_sendRawTransaction")) p.bytes(0);
    if (settings.sequencerUrl().isEmpty()) {
      throw new RpcError(JsonRpc.METHOD_NOT_FOUND, method + " is relayed to the sequencer, and this node has no "
          + "zkchain.rpc.sequencer-url");
    }
    ObjectNode request = JsonRpc.NODES.objectNode();
    request.put("jsonrpc", "2.0");
    request.put("id", 1);
    request.put("method", method);
    ArrayNode params = request.putArray("params");
    for (int i = 0; i < p.size(); i++) params.add(p.get(i));
    HttpRequest post = HttpRequest.newBuilder(URI.create(settings.sequencerUrl()))
        .timeout(settings.timeout())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(request.toString()))
        .build();
    return http.sendAsync(post, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
      JsonNode answer;
      try {
        answer = JsonRpc.JSON.readTree(response.body());
      } catch (Exception e) {
        throw new IllegalStateException("the sequencer answered " + response.statusCode() + " with no JSON-RPC body");
      }
      JsonNode error = answer.get("error");
      if (error != null && error.isObject()) {
        throw new RpcError(error.path("code").asInt(JsonRpc.INTERNAL_ERROR), error.path("message").asText(""),
            error.get("data"));
      }
      return answer.path("result");
    });
  }

  // ---- fees and estimates ----

  private JsonNode estimateGas(Params p) {
    JsonNode call = p.object(0).orElseThrow(() -> RpcError.invalidParams("eth_estimateGas takes a call object"));
    Params.field(call, "to", Params.addressPattern(), "an address").orElseThrow(() -> new RpcError(
        JsonRpc.INVALID_PARAMS, "version 1 executes value transfers only: a call needs \"to\""));
    String data = Params.field(call, "data", Params.bytesPattern(), "0x-prefixed hex")
        .or(() -> Params.field(call, "input", Params.bytesPattern(), "0x-prefixed hex")).orElse("0x");
    if (!data.equals("0x")) {
      throw new RpcError(JsonRpc.INVALID_PARAMS, "version 1 executes value transfers only: no data (PROTOCOL.md §2)");
    }
    return EthJson.quantity(21_000);
  }

  /** The base fee is 0 and every transfer pays its own price: zeros, with gasUsedRatio from the blocks. */
  private CompletionStage<JsonNode> feeHistory(Params p) {
    long count = p.get(0).isNumber() ? p.get(0).asLong() : p.quantity(0).longValue();
    if (count < 1 || count > 1024) throw RpcError.invalidParams("blockCount must be 1 to 1024");
    JsonNode percentiles = p.get(2);
    if (p.has(2) && !percentiles.isArray()) throw RpcError.invalidParams("rewardPercentiles must be an array");
    return blocking(() -> {
      OptionalLong newest = number(p, 1);
      if (newest.isEmpty()) return NullNode.instance;
      long last = newest.getAsLong();
      long first = Math.max(0, last - count + 1);
      ObjectNode o = JsonRpc.NODES.objectNode();
      o.set("oldestBlock", EthJson.quantity(first));
      ArrayNode base = o.putArray("baseFeePerGas");
      ArrayNode ratio = o.putArray("gasUsedRatio");
      ArrayNode reward = p.has(2) ? o.putArray("reward") : null;
      for (long n = first; n <= last; n++) {
        base.add("0x0");
        long gasUsed = chain.block(n).map(b -> b.block().header().gasUsed()).orElse(0L);
        ratio.add((double) gasUsed / L2Block.GAS_LIMIT);
        if (reward != null) {
          ArrayNode r = reward.addArray();
          percentiles.forEach(x -> r.add("0x0"));
        }
      }
      base.add("0x0");
      return o;
    });
  }

  private JsonNode syncing() {
    Map<String, Object> l1 = l1Status.get();
    Object lag = l1 == null ? null : l1.get("lag");
    if (!(lag instanceof Number n) || n.longValue() <= 2) return BooleanNode.FALSE;
    ObjectNode o = JsonRpc.NODES.objectNode();
    o.set("startingBlock", EthJson.quantity(0));
    o.set("currentBlock", EthJson.quantity(heads().trusted()));
    o.set("highestBlock", EthJson.quantity(heads().trusted()));
    o.set("l1Head", EthJson.quantity(((Number) l1.getOrDefault("head", 0L)).longValue()));
    o.set("l1ProcessedBlock", EthJson.quantity(((Number) l1.getOrDefault("processedBlock", 0L)).longValue()));
    return o;
  }

  // ---- zkevm ----

  private CompletionStage<JsonNode> batchByNumber(Params p) {
    boolean full = p.bool(1, false);
    return blocking(() -> {
      OptionalLong n = number(p, 0);
      if (n.isEmpty()) return NullNode.instance;
      long number = n.getAsLong();
      Optional<L2Chain.Block> block = chain.block(number);
      if (block.isEmpty()) return NullNode.instance;
      L2Chain.Block b = block.get();
      BatchEntity.Core core = number == 0 ? null : state(number).current();
      ObjectNode o = JsonRpc.NODES.objectNode();
      o.set("number", EthJson.quantity(number));
      o.put("coinbase", b.block().header().coinbase().hex());
      o.put("stateRoot", b.block().header().stateRoot().hex());
      o.put("globalExitRoot", Hash32.ZERO.hex());
      o.put("mainnetExitRoot", Hash32.ZERO.hex());
      o.put("rollupExitRoot", Hash32.ZERO.hex());
      o.put("localExitRoot", Hash32.ZERO.hex());
      o.put("accInputHash", b.entry().accInputHash().hex());
      o.set("timestamp", EthJson.quantity(b.block().header().timestamp()));
      o.set("sendSequencesTxHash", core == null || core.virtualL1() == null ? NullNode.instance
          : new TextNode(core.virtualL1().transactionHash()));
      o.set("verifyBatchTxHash", core == null || core.consolidatedL1() == null ? NullNode.instance
          : new TextNode(core.consolidatedL1().transactionHash()));
      o.put("closed", true);
      o.putArray("blocks").add(b.hash().hex());
      ArrayNode txs = o.putArray("transactions");
      b.block().transactions().forEach(t -> txs.add(full ? EthJson.transaction(b, t)
          : new TextNode(t.transaction().hash().hex())));
      o.put("batchL2Data", number == 0 ? "0x" : Numeric.toHexString(b.entry().batch().transactions()));
      return o;
    });
  }

  // ---- subscriptions ----

  private CompletionStage<JsonNode> subscribe(Params p, JsonRpc.Session session) {
    String kind = p.text(0, java.util.regex.Pattern.compile("[a-zA-Z]+"), "a subscription name");
    if (session == JsonRpc.Session.HTTP) {
      throw new RpcError(JsonRpc.METHOD_NOT_FOUND, "eth_subscribe needs a WebSocket connection");
    }
    if (!kind.equals("newHeads")) throw RpcError.invalidParams("only newHeads is offered, not " + kind);
    return now(p, new TextNode(newHeads.subscribe(session)));
  }

  /** Stops pushing new heads. */
  public void stop() {
    newHeads.stop();
  }

  // ---- helpers ----

  private static CompletionStage<JsonNode> now(Params checked, JsonNode value) {
    return CompletableFuture.completedFuture(value);
  }

  private <T> CompletionStage<T> blocking(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, blocking);
  }
}
