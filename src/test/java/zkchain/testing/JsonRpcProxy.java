package zkchain.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * An L1 endpoint between a node and anvil that forwards JSON-RPC over HTTP and lets a test act at
 * an exact point of the node's reads: run an action (an {@code anvil_reorg}) after anvil answered
 * a call and before the node gets the answer, or rewrite one answer (a provider that returns
 * incomplete logs). Loopback only.
 */
public final class JsonRpcProxy implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What to do to the next answer (every answer, when sticky) to one method: an action, then a rewrite. */
  private record Hook(String method, Runnable action, UnaryOperator<JsonNode> rewrite, boolean sticky) {}

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "json-rpc-proxy");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI target;
  private final AtomicReference<Hook> next = new AtomicReference<>();
  private final AtomicInteger hooksRun = new AtomicInteger();
  private volatile Duration delay = Duration.ZERO;

  private JsonRpcProxy(String targetUrl) throws IOException {
    this.target = URI.create(targetUrl);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  public static JsonRpcProxy to(String targetUrl) throws IOException {
    return new JsonRpcProxy(targetUrl);
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Runs {@code action} once, after anvil answered the next call to {@code method}, before that answer goes back. */
  public void afterNext(String method, Runnable action) {
    next.set(new Hook(method, action, r -> r, false));
  }

  /** Rewrites the next answer to {@code method} once. */
  public void rewriteNext(String method, UnaryOperator<JsonNode> rewrite) {
    next.set(new Hook(method, () -> {}, rewrite, false));
  }

  /** Rewrites every answer to {@code method} until {@link #passThrough()}. */
  public void rewriteEvery(String method, UnaryOperator<JsonNode> rewrite) {
    next.set(new Hook(method, () -> {}, rewrite, true));
  }

  /** Forwards everything unchanged again. */
  public void passThrough() {
    next.set(null);
  }

  /** A slow L1: every answer waits this long before it goes back (zero: none). */
  public JsonRpcProxy delayEach(Duration delay) {
    this.delay = delay;
    return this;
  }

  /** How many hooks ran so far. */
  public int hooksRun() {
    return hooksRun.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      HttpRequest forward = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
      byte[] answer = client.send(forward, HttpResponse.BodyHandlers.ofByteArray()).body();
      Hook hook = next.get();
      if (hook != null) {
        JsonNode request = JSON.readTree(body);
        if (request.isObject() && hook.method().equals(request.path("method").asText())
            && (hook.sticky() || next.compareAndSet(hook, null))) {
          hook.action().run();
          answer = JSON.writeValueAsBytes(hook.rewrite().apply(JSON.readTree(answer)));
          hooksRun.incrementAndGet();
        }
      }
      if (!delay.isZero()) Thread.sleep(delay.toMillis());
      exchange.getResponseHeaders().set("content-type", "application/json");
      exchange.sendResponseHeaders(200, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
