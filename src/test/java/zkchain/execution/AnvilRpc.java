package zkchain.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A minimal JSON-RPC client for the conformance test. */
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
