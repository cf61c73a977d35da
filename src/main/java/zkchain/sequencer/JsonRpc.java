package zkchain.sequencer;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.entity;
import static akka.http.javadsl.server.Directives.onSuccess;
import static akka.http.javadsl.server.Directives.pathSingleSlash;
import static akka.http.javadsl.server.Directives.post;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.utils.Numeric;
import zkchain.execution.Account;
import zkchain.protocol.Address;

/**
 * The sequencer's Ethereum JSON-RPC 2.0 (POST /, single and batch requests): enough for a wallet
 * such as web3j to send transfers. Every request gets a JSON-RPC answer, a malformed one too;
 * notifications (no id) get none, as the specification says.
 */
public final class JsonRpc {
  private static final Logger log = LoggerFactory.getLogger(JsonRpc.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern HEX_BYTES = Pattern.compile("0x([0-9a-fA-F]{2})*");
  private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");

  // JSON-RPC 2.0 and EIP-1474 error codes
  static final int PARSE_ERROR = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int METHOD_NOT_FOUND = -32601;
  static final int INVALID_PARAMS = -32602;
  static final int INTERNAL_ERROR = -32603;
  /** EIP-1474 "transaction rejected": the data field carries the §2 skip reason. */
  static final int TRANSACTION_REJECTED = -32003;

  /** What the methods read and write: the sequencer's actor, behind asks. */
  public interface Backend {
    long chainId();

    CompletionStage<Admission> submit(byte[] raw);

    CompletionStage<Account> account(Address address, boolean pending);

    CompletionStage<SequencerHead> head();
  }

  /** An error answer, thrown from a method and turned into the response's error member. */
  static final class RpcError extends RuntimeException {
    final int code;
    final JsonNode data;

    RpcError(int code, String message, JsonNode data) {
      super(message, null, false, false);
      this.code = code;
      this.data = data;
    }

    RpcError(int code, String message) {
      this(code, message, null);
    }
  }

  private final Backend backend;

  public JsonRpc(Backend backend) {
    this.backend = backend;
  }

  public Route route() {
    return pathSingleSlash(() -> post(() -> entity(Unmarshaller.entityToString(), body ->
        onSuccess(handle(body), answer -> answer.isPresent()
            ? complete(StatusCodes.OK, HttpEntities.create(ContentTypes.APPLICATION_JSON, answer.get()))
            : complete(StatusCodes.NO_CONTENT)))));
  }

  /** The response body for a request body; empty when it held only notifications. Never fails. */
  public CompletionStage<Optional<String>> handle(String body) {
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return done(error(NullNode.instance, PARSE_ERROR, "parse error: " + e.getOriginalMessage(), null));
    }
    if (request == null) return done(error(NullNode.instance, PARSE_ERROR, "parse error: empty body", null));
    if (request.isArray()) {
      if (request.isEmpty()) return done(error(NullNode.instance, INVALID_REQUEST, "empty batch", null));
      List<CompletableFuture<Optional<ObjectNode>>> calls = new ArrayList<>();
      request.forEach(call -> calls.add(call(call).toCompletableFuture()));
      return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(done -> {
        ArrayNode answers = NODES.arrayNode();
        calls.forEach(c -> c.join().ifPresent(answers::add));
        return answers.isEmpty() ? Optional.empty() : Optional.of(answers.toString());
      });
    }
    return call(request).thenApply(answer -> answer.map(ObjectNode::toString));
  }

  private static CompletionStage<Optional<String>> done(ObjectNode answer) {
    return CompletableFuture.completedFuture(Optional.of(answer.toString()));
  }

  /** One call; empty for a notification. */
  private CompletionStage<Optional<ObjectNode>> call(JsonNode call) {
    JsonNode id = call.isObject() ? call.get("id") : null;
    boolean notification = call.isObject() && id == null;
    JsonNode replyId = id == null || !(id.isTextual() || id.isNumber() || id.isNull()) ? NullNode.instance : id;
    CompletionStage<JsonNode> result;
    try {
      result = dispatch(call);
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    return result.handle((value, failure) -> {
      if (notification) return Optional.<ObjectNode>empty();
      if (failure == null) {
        ObjectNode answer = envelope(replyId);
        answer.set("result", value);
        return Optional.of(answer);
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (cause instanceof RpcError e) return Optional.of(error(replyId, e.code, e.getMessage(), e.data));
      log.warn("JSON-RPC {} failed: {}", call.path("method").asText("?"), cause.toString());
      return Optional.of(error(replyId, INTERNAL_ERROR, "internal error: " + cause.getMessage(), null));
    });
  }

  private CompletionStage<JsonNode> dispatch(JsonNode call) {
    if (!call.isObject()) throw new RpcError(INVALID_REQUEST, "a request must be a JSON object");
    if (!"2.0".equals(call.path("jsonrpc").asText(null))) throw new RpcError(INVALID_REQUEST, "jsonrpc must be \"2.0\"");
    JsonNode id = call.get("id");
    if (id != null && !(id.isTextual() || id.isNumber() || id.isNull())) {
      throw new RpcError(INVALID_REQUEST, "id must be a string, a number or null");
    }
    JsonNode method = call.get("method");
    if (method == null || !method.isTextual()) throw new RpcError(INVALID_REQUEST, "method must be a string");
    JsonNode params = call.get("params");
    if (params != null && !params.isArray() && !params.isObject()) {
      throw new RpcError(INVALID_REQUEST, "params must be an array or an object");
    }
    List<JsonNode> args = new ArrayList<>();
    if (params != null && params.isArray()) params.forEach(args::add);
    else if (params != null) throw new RpcError(INVALID_PARAMS, "params must be positional (an array)");
    return switch (method.textValue()) {
      case "eth_sendRawTransaction" -> sendRawTransaction(args);
      case "eth_chainId" -> now(quantity(BigInteger.valueOf(backend.chainId())));
      case "net_version" -> now(new TextNode(Long.toString(backend.chainId())));
      case "eth_blockNumber" -> backend.head().thenApply(h -> quantity(BigInteger.valueOf(h.number())));
      case "eth_getTransactionCount" -> account(args).thenApply(a -> quantity(BigInteger.valueOf(a.nonce())));
      case "eth_getBalance" -> account(args).thenApply(a -> quantity(a.balance()));
      // the L2 base fee is 0 (§2): a transfer needs no fee to apply
      case "eth_gasPrice", "eth_maxPriorityFeePerGas" -> now(quantity(BigInteger.ZERO));
      default -> throw new RpcError(METHOD_NOT_FOUND, "method " + method.textValue() + " is not offered");
    };
  }

  private CompletionStage<JsonNode> sendRawTransaction(List<JsonNode> args) {
    if (args.size() != 1) throw new RpcError(INVALID_PARAMS, "eth_sendRawTransaction takes one parameter");
    byte[] raw = hexBytes(args.get(0), "transaction");
    return backend.submit(raw).thenApply(admission -> {
      if (admission instanceof Admission.Refused r) {
        ObjectNode data = NODES.objectNode();
        data.put("hash", r.hash().hex());
        r.reason().ifPresent(reason -> data.put("reason", reason.word()));
        throw new RpcError(TRANSACTION_REJECTED, r.message(), data);
      }
      return new TextNode(admission.hash().hex());
    });
  }

  private CompletionStage<Account> account(List<JsonNode> args) {
    if (args.isEmpty() || args.size() > 2) throw new RpcError(INVALID_PARAMS, "expected [address, block]");
    JsonNode a = args.get(0);
    if (!a.isTextual() || !ADDRESS.matcher(a.textValue()).matches()) {
      throw new RpcError(INVALID_PARAMS, "address must be 0x-prefixed hex of 20 bytes");
    }
    String block = args.size() == 2 && !args.get(1).isNull() ? args.get(1).asText("") : "latest";
    boolean pending = switch (block) {
      case "pending" -> true;
      case "latest" -> false;
      default -> throw new RpcError(INVALID_PARAMS, "block must be \"latest\" (the last closed batch) or "
          + "\"pending\" (with the open batch), not " + args.get(1));
    };
    return backend.account(Address.of(a.textValue()), pending);
  }

  private static byte[] hexBytes(JsonNode node, String what) {
    if (!node.isTextual() || !HEX_BYTES.matcher(node.textValue()).matches()) {
      throw new RpcError(INVALID_PARAMS, what + " must be 0x-prefixed hex of whole bytes");
    }
    return Numeric.hexStringToByteArray(node.textValue());
  }

  private static CompletionStage<JsonNode> now(JsonNode value) {
    return CompletableFuture.completedFuture(value);
  }

  private static JsonNode quantity(BigInteger n) {
    return new TextNode(Numeric.encodeQuantity(n));
  }

  private static ObjectNode envelope(JsonNode id) {
    ObjectNode o = NODES.objectNode();
    o.put("jsonrpc", "2.0");
    o.set("id", id);
    return o;
  }

  private static ObjectNode error(JsonNode id, int code, String message, JsonNode data) {
    ObjectNode e = NODES.objectNode();
    e.put("code", code);
    e.put("message", message);
    if (data != null) e.set("data", data);
    ObjectNode o = envelope(id);
    o.set("error", e);
    return o;
  }
}
