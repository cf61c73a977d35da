package zkchain.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A minimal JSON-RPC client for the conformance test: plain calls and batched calls. */
final class AnvilRpc {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI uri;
  private int nextId = 1;

  AnvilRpc(String url) {
    this.uri = URI.create(url);
  }

  /** The result, or an exception with anvil's error. */
  JsonNode call(String method, Object... params) {
    JsonNode reply = post(request(method, params));
    if (reply.has("error")) throw new IllegalStateException(method + " failed: " + reply.get("error"));
    return reply.get("result");
  }

  /** The raw reply, result or error: for calls that anvil may refuse. */
  JsonNode send(String method, Object... params) {
    return post(request(method, params));
  }

  /** One HTTP request carrying many calls; each reply is a result or an error object, in call order. */
  List<JsonNode> batch(String method, List<Object[]> paramsPerCall) {
    if (paramsPerCall.isEmpty()) return List.of();
    ArrayNode requests = JSON.createArrayNode();
    for (Object[] params : paramsPerCall) requests.add(request(method, params));
    JsonNode replies = post(requests);
    List<JsonNode> ordered = new ArrayList<>(paramsPerCall.size());
    int firstId = requests.get(0).get("id").asInt();
    for (int i = 0; i < paramsPerCall.size(); i++) ordered.add(null);
    for (JsonNode reply : replies) ordered.set(reply.get("id").asInt() - firstId, reply);
    return ordered;
  }

  private ObjectNode request(String method, Object... params) {
    ObjectNode req = JSON.createObjectNode();
    req.put("jsonrpc", "2.0");
    req.put("id", nextId++);
    req.put("method", method);
    req.set("params", JSON.valueToTree(params));
    return req;
  }

  private JsonNode post(JsonNode body) {
    try {
      HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
      return JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
    } catch (IOException e) {
      throw new IllegalStateException("anvil at " + uri + " unreachable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
