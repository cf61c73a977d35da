package zkchain.http;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.extractWebSocketUpgrade;
import static akka.http.javadsl.server.Directives.extractMaterializer;
import static akka.http.javadsl.server.Directives.extractRequestEntity;
import static akka.http.javadsl.server.Directives.onSuccess;
import static akka.http.javadsl.server.Directives.post;
import static akka.http.javadsl.server.Directives.withoutSizeLimit;

import akka.NotUsed;
import akka.japi.Pair;
import akka.stream.BoundedSourceQueue;
import akka.stream.QueueOfferResult;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.TextMessage;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import akka.stream.Materializer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON-RPC 2.0 as the specification has it, for every role that speaks it (the sequencer's wallet
 * endpoint, the node's Ethereum endpoint): single calls and batches of calls (at most
 * {@code maxBatch}), notifications (no id: no answer), the standard errors (-32700 parse error,
 * -32600 invalid request, -32601 method not found, -32602 invalid params, -32603 internal) and a
 * body size cap. Every request gets a JSON-RPC answer with HTTP 200, a malformed or oversize one
 * too; never a 500. What the methods do is the role's {@link Methods}.
 */
public final class JsonRpc {
  private static final Logger log = LoggerFactory.getLogger(JsonRpc.class);
  public static final ObjectMapper JSON = new ObjectMapper();
  public static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  public static final int PARSE_ERROR = -32700;
  public static final int INVALID_REQUEST = -32600;
  public static final int METHOD_NOT_FOUND = -32601;
  public static final int INVALID_PARAMS = -32602;
  public static final int INTERNAL_ERROR = -32603;

  /** The role's methods: a result, or an {@link RpcError} thrown or failing the stage. */
  public interface Methods {
    CompletionStage<JsonNode> call(String method, Params params, Session session);
  }

  /**
   * Where a call came from: a WebSocket connection, which can be sent messages of the methods'
   * own (subscriptions) and tells when it closes; {@link #HTTP} (null) for a POST.
   */
  public interface Session {
    Session HTTP = null;

    /** Sends a message on the connection; false when it is closed or its buffer is full. */
    boolean push(String message);

    /** Runs {@code hook} once when the connection closes. */
    void onClose(Runnable hook);
  }

  /** An error answer, thrown from a method and turned into the response's error member. */
  public static final class RpcError extends RuntimeException {
    public final int code;
    public final JsonNode data;

    public RpcError(int code, String message, JsonNode data) {
      super(message, null, false, false);
      this.code = code;
      this.data = data;
    }

    public RpcError(int code, String message) {
      this(code, message, null);
    }

    public static RpcError invalidParams(String message) {
      return new RpcError(INVALID_PARAMS, message);
    }

    public static RpcError methodNotFound(String method) {
      return new RpcError(METHOD_NOT_FOUND, "method " + method + " is not offered");
    }
  }

  /** The limits of one endpoint. */
  public record Limits(int maxBatch, int maxBodyBytes, Duration bodyTimeout) {
    public static final Limits DEFAULT = new Limits(100, 5 * 1024 * 1024, Duration.ofSeconds(10));
  }

  private final Methods methods;
  private final Limits limits;
  private final ObjectMapper parser;

  public JsonRpc(Methods methods, Limits limits) {
    this.methods = methods;
    this.limits = limits;
    // a body within the cap still must not make Jackson build huge numbers or deep trees
    this.parser = new ObjectMapper(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(100).build())
        .build());
  }

  public Limits limits() {
    return limits;
  }

  /**
   * A WebSocket upgrade (each text message a request, each answer a text message) or a POST with
   * the request as the body (the answer, or 204 for notifications only), whatever the path.
   */
  public Route route() {
    return concat(extractWebSocketUpgrade(upgrade -> extractMaterializer(mat ->
        complete(upgrade.handleMessagesWith(webSocket(mat))))), httpRoute());
  }

  private Route httpRoute() {
    return post(() -> withoutSizeLimit(() -> extractMaterializer(mat -> extractRequestEntity(entity ->
        onSuccess(body(entity, mat).thenCompose(b -> b.isPresent() ? handle(b.get(), Session.HTTP)
                : done(error(NullNode.instance, INVALID_REQUEST,
                    "request body exceeds " + limits.maxBodyBytes() + " bytes", null)))
                .exceptionally(e -> {
                  Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                  return Optional.of(error(NullNode.instance, cause instanceof RpcError r ? r.code : INTERNAL_ERROR,
                      cause.getMessage(), null).toString());
                }),
            answer -> answer.isPresent()
                ? complete(StatusCodes.OK, HttpEntities.create(ContentTypes.APPLICATION_JSON, answer.get()))
                : complete(StatusCodes.NO_CONTENT))))));
  }

  /** One connection: requests in order, answers and pushed messages through one bounded buffer. */
  private Flow<Message, Message, NotUsed> webSocket(Materializer mat) {
    Pair<BoundedSourceQueue<Message>, Source<Message, NotUsed>> out = Source.<Message>queue(WS_BUFFER)
        .preMaterialize(mat);
    WebSocketSession session = new WebSocketSession(out.first());
    Sink<Message, NotUsed> in = Flow.<Message>create()
        .mapAsync(1, message -> text(message, mat))
        .mapAsync(1, text -> text.isPresent() ? handle(text.get(), session)
            : done(error(NullNode.instance, INVALID_REQUEST, "a request is one text message of at most "
                + limits.maxBodyBytes() + " bytes", null)))
        .to(Sink.foreach(answer -> answer.ifPresent(session::push)));
    Source<Message, NotUsed> outgoing = out.second().watchTermination((notUsed, done) -> {
      done.whenComplete((d, e) -> session.closed());
      return notUsed;
    });
    return Flow.fromSinkAndSourceCoupled(in, outgoing);
  }

  private CompletionStage<Optional<String>> text(Message message, Materializer mat) {
    if (!message.isText()) {
      message.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), mat);
      return CompletableFuture.completedFuture(Optional.empty());
    }
    TextMessage text = message.asTextMessage();
    if (text.isStrict()) {
      String t = text.getStrictText();
      return CompletableFuture.completedFuture(t.length() > limits.maxBodyBytes() ? Optional.empty() : Optional.of(t));
    }
    return text.getStreamedText().limitWeighted(limits.maxBodyBytes(), t -> (long) t.length())
        .runFold(new StringBuilder(), StringBuilder::append, mat)
        .thenApply(b -> Optional.of(b.toString()))
        .exceptionally(e -> Optional.empty());
  }

  private static final int WS_BUFFER = 1024;

  private static final class WebSocketSession implements Session {
    private final BoundedSourceQueue<Message> queue;
    private final List<Runnable> hooks = new ArrayList<>();
    private boolean closed;

    WebSocketSession(BoundedSourceQueue<Message> queue) {
      this.queue = queue;
    }

    @Override
    public boolean push(String message) {
      QueueOfferResult result = queue.offer(TextMessage.create(message));
      if (result == QueueOfferResult.dropped()) {
        log.warn("a JSON-RPC WebSocket client reads too slowly: {} messages wait; closing it", WS_BUFFER);
        queue.fail(new IllegalStateException("client too slow"));
        return false;
      }
      return result == QueueOfferResult.enqueued();
    }

    @Override
    public void onClose(Runnable hook) {
      boolean runNow;
      synchronized (this) {
        runNow = closed;
        if (!closed) hooks.add(hook);
      }
      if (runNow) hook.run();
    }

    void closed() {
      List<Runnable> run;
      synchronized (this) {
        closed = true;
        run = List.copyOf(hooks);
        hooks.clear();
      }
      run.forEach(Runnable::run);
    }
  }

  /** The body as text, or empty when it is larger than the cap (read no further than the cap). */
  private CompletionStage<Optional<String>> body(HttpEntity entity, Materializer mat) {
    var declared = entity.getContentLengthOption();
    if (declared.isPresent() && declared.getAsLong() > limits.maxBodyBytes()) {
      entity.discardBytes(mat);
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return entity.withSizeLimit(limits.maxBodyBytes()).toStrict(limits.bodyTimeout().toMillis(), mat)
        .thenApply(strict -> Optional.of(strict.getData().decodeString(StandardCharsets.UTF_8)))
        .exceptionally(e -> {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof akka.http.scaladsl.model.EntityStreamSizeException) return Optional.empty();
          // not the cap: the client went away or was too slow; the answer will likely not reach it either
          log.info("a JSON-RPC request body could not be read: {}", cause.toString());
          throw new RpcError(INVALID_REQUEST, "the request body could not be read: " + cause.getMessage());
        });
  }

  /** The response for a request text; empty when it held only notifications. Never fails. */
  public CompletionStage<Optional<String>> handle(String body, Session session) {
    if (body.length() > limits.maxBodyBytes()) {
      return done(error(NullNode.instance, INVALID_REQUEST, "request exceeds " + limits.maxBodyBytes() + " bytes", null));
    }
    JsonNode request;
    try {
      request = parser.readTree(body);
    } catch (JsonProcessingException e) {
      return done(error(NullNode.instance, PARSE_ERROR, "parse error: " + e.getOriginalMessage(), null));
    }
    if (request == null || request.isMissingNode()) {
      return done(error(NullNode.instance, PARSE_ERROR, "parse error: empty body", null));
    }
    if (request.isArray()) {
      if (request.isEmpty()) return done(error(NullNode.instance, INVALID_REQUEST, "empty batch", null));
      if (request.size() > limits.maxBatch()) {
        return done(error(NullNode.instance, INVALID_REQUEST,
            "batch of " + request.size() + " calls exceeds the cap of " + limits.maxBatch(), null));
      }
      List<CompletableFuture<Optional<ObjectNode>>> calls = new ArrayList<>();
      request.forEach(call -> calls.add(call(call, session).toCompletableFuture()));
      return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(done -> {
        ArrayNode answers = NODES.arrayNode();
        calls.forEach(c -> c.join().ifPresent(answers::add));
        return answers.isEmpty() ? Optional.empty() : Optional.of(answers.toString());
      });
    }
    return call(request, session).thenApply(answer -> answer.map(ObjectNode::toString));
  }

  private static CompletionStage<Optional<String>> done(ObjectNode answer) {
    return CompletableFuture.completedFuture(Optional.of(answer.toString()));
  }

  /** One call; empty for a notification. */
  private CompletionStage<Optional<ObjectNode>> call(JsonNode call, Session session) {
    JsonNode id = call.isObject() ? call.get("id") : null;
    boolean notification = call.isObject() && id == null;
    JsonNode replyId = id == null || !(id.isTextual() || id.isNumber() || id.isNull()) ? NullNode.instance : id;
    CompletionStage<JsonNode> result;
    try {
      result = dispatch(call, session);
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    return result.handle((value, failure) -> {
      if (notification) return Optional.<ObjectNode>empty();
      if (failure == null) {
        ObjectNode answer = envelope(replyId);
        answer.set("result", value == null ? NullNode.instance : value);
        return Optional.of(answer);
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (cause instanceof RpcError e) return Optional.of(error(replyId, e.code, e.getMessage(), e.data));
      log.warn("JSON-RPC {} failed: {}", call.path("method").asText("?"), cause.toString());
      return Optional.of(error(replyId, INTERNAL_ERROR, "internal error: " + cause.getMessage(), null));
    });
  }

  private CompletionStage<JsonNode> dispatch(JsonNode call, Session session) {
    if (!call.isObject()) throw new RpcError(INVALID_REQUEST, "a request must be a JSON object");
    if (!"2.0".equals(call.path("jsonrpc").asText(null))) throw new RpcError(INVALID_REQUEST, "jsonrpc must be \"2.0\"");
    JsonNode id = call.get("id");
    if (id != null && !(id.isTextual() || id.isNumber() || id.isNull())) {
      throw new RpcError(INVALID_REQUEST, "id must be a string, a number or null");
    }
    JsonNode method = call.get("method");
    if (method == null || !method.isTextual()) throw new RpcError(INVALID_REQUEST, "method must be a string");
    JsonNode params = call.get("params");
    if (params != null && !params.isArray() && !params.isObject() && !params.isNull()) {
      throw new RpcError(INVALID_REQUEST, "params must be an array or an object");
    }
    if (params != null && params.isObject()) throw new RpcError(INVALID_PARAMS, "params must be positional (an array)");
    List<JsonNode> args = new ArrayList<>();
    if (params != null && params.isArray()) params.forEach(args::add);
    return methods.call(method.textValue(), new Params(method.textValue(), args), session);
  }

  public static CompletionStage<JsonNode> now(JsonNode value) {
    return CompletableFuture.completedFuture(value);
  }

  private static ObjectNode envelope(JsonNode id) {
    ObjectNode o = NODES.objectNode();
    o.put("jsonrpc", "2.0");
    o.set("id", id);
    return o;
  }

  public static ObjectNode error(JsonNode id, int code, String message, JsonNode data) {
    ObjectNode e = NODES.objectNode();
    e.put("code", code);
    e.put("message", message);
    if (data != null) e.set("data", data);
    ObjectNode o = envelope(id);
    o.set("error", e);
    return o;
  }
}
