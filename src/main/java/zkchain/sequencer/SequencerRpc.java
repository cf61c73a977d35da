package zkchain.sequencer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigInteger;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import javax.sql.DataSource;
import zkchain.execution.Account;
import zkchain.execution.L2Chain;
import zkchain.execution.TransactionIndex;
import zkchain.http.EthJson;
import zkchain.http.JsonRpc;
import zkchain.http.JsonRpc.RpcError;
import zkchain.http.Params;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;

/**
 * The sequencer's Ethereum JSON-RPC methods (on the shared {@link JsonRpc} layer): what a wallet
 * needs to send a transfer and wait for its receipt. Its blocks are the batches it closed
 * (PROTOCOL.md §8), so a receipt comes once the transaction's batch is closed.
 */
public final class SequencerRpc implements JsonRpc.Methods {
  /** EIP-1474 "transaction rejected": the data field carries the §2 skip reason. */
  static final int TRANSACTION_REJECTED = -32003;

  /** What the methods read and write: the sequencer's actor, behind asks, and its closed batches. */
  public interface Backend {
    long chainId();

    CompletionStage<Admission> submit(byte[] raw);

    CompletionStage<Account> account(Address address, boolean pending);

    CompletionStage<SequencerHead> head();

    /** The closed batches as blocks. */
    L2Chain chain();

    /** The database holding the closed batches' transaction index. */
    DataSource dataSource();

    /** Where the blocking reads run. */
    Executor blocking();
  }

  private final Backend backend;

  public SequencerRpc(Backend backend) {
    this.backend = backend;
  }

  @Override
  public CompletionStage<JsonNode> call(String method, Params params, JsonRpc.Session session) {
    return switch (method) {
      case "eth_sendRawTransaction" -> sendRawTransaction(params.expect(1, 1));
      case "eth_chainId" -> JsonRpc.now(EthJson.quantity(backend.chainId()));
      case "net_version" -> JsonRpc.now(new TextNode(Long.toString(backend.chainId())));
      case "eth_blockNumber" -> backend.head().thenApply(h -> EthJson.quantity(h.number()));
      case "eth_getTransactionCount" -> account(params).thenApply(a -> EthJson.quantity(a.nonce()));
      case "eth_getBalance" -> account(params).thenApply(a -> EthJson.quantity(a.balance()));
      // the L2 base fee is 0 (§2): a transfer needs no fee to apply
      case "eth_gasPrice", "eth_maxPriorityFeePerGas" -> JsonRpc.now(EthJson.quantity(BigInteger.ZERO));
      // version 1 executes transfers only, each exactly 21000 gas
      case "eth_estimateGas" -> JsonRpc.now(EthJson.quantity(21_000));
      case "eth_getBlockByNumber" -> blockByNumber(params.expect(1, 2));
      case "eth_getTransactionByHash" -> transaction(params.expect(1, 1), false);
      case "eth_getTransactionReceipt" -> transaction(params.expect(1, 1), true);
      default -> throw RpcError.methodNotFound(method);
    };
  }

  private CompletionStage<JsonNode> sendRawTransaction(Params params) {
    byte[] raw = params.bytes(0);
    return backend.submit(raw).thenApply(admission -> {
      if (admission instanceof Admission.Refused r) {
        ObjectNode data = JsonRpc.NODES.objectNode();
        data.put("hash", r.hash().hex());
        r.reason().ifPresent(reason -> data.put("reason", reason.word()));
        throw new RpcError(TRANSACTION_REJECTED, r.message(), data);
      }
      return new TextNode(admission.hash().hex());
    });
  }

  private CompletionStage<Account> account(Params params) {
    params.expect(1, 2);
    Address address = params.address(0);
    String block = params.has(1) ? params.get(1).asText("") : "latest";
    boolean pending = switch (block) {
      case "pending" -> true;
      case "latest" -> false;
      default -> throw RpcError.invalidParams("block must be \"latest\" (the last closed batch) or "
          + "\"pending\" (with the open batch), not " + params.get(1));
    };
    return backend.account(address, pending);
  }

  /** latest, pending (the open batch is no block yet: the last closed one), earliest or a number. */
  private CompletionStage<JsonNode> blockByNumber(Params params) {
    boolean full = params.bool(1, false);
    JsonNode tag = params.get(0);
    CompletionStage<Long> number = switch (tag.isTextual() ? tag.textValue() : "") {
      case "latest", "pending" -> backend.head().thenApply(SequencerHead::number);
      case "earliest" -> CompletableFuture.completedFuture(0L);
      case "safe", "finalized" -> throw RpcError.invalidParams("the sequencer knows the batches it closed, not "
          + "their stage on L1: ask a node for \"" + tag.textValue() + "\"");
      default -> CompletableFuture.completedFuture(params.quantity(0).longValueExact());
    };
    return number.thenCompose(n -> blocking(() -> backend.chain().block(n)
        .<JsonNode>map(b -> EthJson.block(b, full)).orElse(NullNode.instance)));
  }

  private CompletionStage<JsonNode> transaction(Params params, boolean receipt) {
    Hash32 hash = params.hash(0);
    return blocking(() -> {
      Optional<TransactionIndex.Found> found = TransactionIndex.locate(backend.dataSource(), backend.chain(), hash);
      return found.flatMap(f -> f.included().map(t -> (JsonNode) (receipt
          ? EthJson.receipt(f.block(), t) : EthJson.transaction(f.block(), t)))).orElse(NullNode.instance);
    });
  }

  private <T> CompletionStage<T> blocking(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, backend.blocking());
  }
}
