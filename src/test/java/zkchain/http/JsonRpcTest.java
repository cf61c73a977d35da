package zkchain.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zkchain.testing.TestNodes;

/**
 * The JSON-RPC 2.0 layer the sequencer and the node share, over a real socket: every malformed,
 * oversize or unknown request gets the standard error with HTTP 200, notifications get nothing,
 * a method that fails unexpectedly is -32603, and the server answers the next request as before.
 */
class JsonRpcTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static ActorTestKit testKit;
  static ServerBinding binding;
  static String url;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void bind() throws Exception {
    testKit = ActorTestKit.create("JsonRpcTest", ConfigFactory.parseString("akka.actor.provider = local")
        .withFallback(ConfigFactory.load()));
    JsonRpc.Methods methods = (method, params, session) -> switch (method) {
      case "echo" -> CompletableFuture.completedFuture(params.expect(1, 1).get(0));
      case "address" -> CompletableFuture.completedFuture(new TextNode(params.expect(1, 1).address(0).hex()));
      case "boom" -> CompletableFuture.failedFuture(new IllegalStateException("boom"));
      case "push" -> {
        session.push("{\"pushed\":true}");
        yield CompletableFuture.completedFuture(TextNode.valueOf("ok"));
      }
      default -> throw JsonRpc.RpcError.methodNotFound(method);
    };
    binding = Http.get(testKit.system()).newServerAt("127.0.0.1", 0)
        .bind(new JsonRpc(methods, new JsonRpc.Limits(3, 1024, Duration.ofSeconds(5))).route())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    url = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static HttpResponse<String> post(String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static int code(HttpResponse<String> r) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body()).path("error").path("code").asInt();
  }

  @Test
  void everyBadRequestIsItsStandardErrorAndTheServerGoesOn() throws Exception {
    assertEquals(JsonRpc.PARSE_ERROR, code(post("{\"jsonrpc\":")));
    assertEquals(JsonRpc.PARSE_ERROR, code(post("")));
    assertEquals(JsonRpc.INVALID_REQUEST, code(post("42")));
    assertEquals(JsonRpc.INVALID_REQUEST, code(post("[]")));
    assertEquals(JsonRpc.INVALID_REQUEST, code(post("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"echo\",\"params\":[1]}")));
    assertEquals(JsonRpc.INVALID_REQUEST, code(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}")));
    assertEquals(JsonRpc.INVALID_REQUEST, code(post("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"echo\"}")));
    assertEquals(JsonRpc.METHOD_NOT_FOUND, code(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}")));
    assertEquals(JsonRpc.INVALID_PARAMS, code(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[]}")));
    assertEquals(JsonRpc.INVALID_PARAMS, code(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"address\",\"params\":[\"0x12\"]}")));
    assertEquals(JsonRpc.INVALID_PARAMS, code(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"a\":1}}")));
    assertEquals(JsonRpc.INTERNAL_ERROR, code(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"boom\"}")));
    assertEquals(JsonRpc.INVALID_REQUEST, code(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[\""
        + "x".repeat(2000) + "\"]}")), "a body over the cap");
    String call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[1]}";
    assertEquals(JsonRpc.INVALID_REQUEST, code(post("[" + String.join(",", List.of(call, call, call, call)) + "]")),
        "a batch over the cap");

    // a batch within the cap: one answer per call, in order, errors among them, none for the notification
    var batch = post("[" + call + ",{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"nope\"},"
        + "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[3]}]");
    JsonNode answers = JSON.readTree(batch.body());
    assertEquals(2, answers.size(), batch.body());
    assertEquals(1, answers.get(0).get("result").asInt());
    assertEquals("b", answers.get(1).get("id").asText());
    assertEquals(JsonRpc.METHOD_NOT_FOUND, answers.get(1).get("error").get("code").asInt());
    assertEquals(204, post("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[3]}").statusCode(), "notification");
    assertEquals("\"hi\"", JSON.readTree(post("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"echo\",\"params\":[\"hi\"]}")
        .body()).get("result").toString());
  }

  @Test
  void aWebSocketTakesOneRequestPerMessageAndCarriesPushedMessages() throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(URI.create(url.replace("http", "ws")),
        new WebSocket.Listener() {
          final StringBuilder partial = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
              received.add(partial.toString());
              partial.setLength(0);
            }
            webSocket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    ws.sendText("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"push\"}", true).get(5, TimeUnit.SECONDS);
    ws.sendText("not json", true).get(5, TimeUnit.SECONDS);
    ws.sendText("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\",\"params\":[\"" + "y".repeat(2000) + "\"]}", true)
        .get(5, TimeUnit.SECONDS);
    ws.sendText("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"echo\",\"params\":[3]}", true).get(5, TimeUnit.SECONDS);
    assertTrue(TestNodes.eventually(Duration.ofSeconds(10), () -> received.size() == 5), received.toString());
    assertEquals("{\"pushed\":true}", received.get(0));
    assertEquals("ok", JSON.readTree(received.get(1)).get("result").asText());
    assertEquals(JsonRpc.PARSE_ERROR, JSON.readTree(received.get(2)).get("error").get("code").asInt());
    assertEquals(JsonRpc.INVALID_REQUEST, JSON.readTree(received.get(3)).get("error").get("code").asInt(),
        "a message over the cap");
    assertEquals(3, JSON.readTree(received.get(4)).get("result").asInt());
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
  }
}
