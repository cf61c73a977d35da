package zkchain.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A real headless Chromium (Debian's {@code chromium}) driven through the DevTools protocol over
 * the JDK's own WebSocket client: no Selenium, no driver process. One page per browser; every
 * browser gets an empty profile of its own, deleted on close. Without Chromium a test fails when
 * CI=true and is skipped, loudly, otherwise (as {@link TestDatabases} does for PostgreSQL).
 */
public final class Browser implements AutoCloseable {
  public static final Path CHROMIUM =
      Path.of(System.getenv().getOrDefault("ZKCHAIN_TEST_CHROMIUM", "/usr/bin/chromium"));
  /** Where screenshots go: under target/, beside the build's other outputs. */
  public static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Path profile;
  private final WebSocket page;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  /** What the page printed on its console and the exceptions it threw, for a failing test's message. */
  private final List<String> console = java.util.Collections.synchronizedList(new ArrayList<>());

  private Browser(Process process, Path profile, WebSocket page) {
    this.process = process;
    this.profile = profile;
    this.page = page;
  }

  /** A headless Chromium with an empty profile, or a failed (CI) / skipped (elsewhere) test without one. */
  public static Browser start() throws IOException {
    if (!Files.isExecutable(CHROMIUM)) {
      String why = "Chromium not found at " + CHROMIUM + " (apt-get install -y chromium, or set ZKCHAIN_TEST_CHROMIUM)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new IllegalStateException(why + "; CI=true requires it");
      System.err.println("\n*** SKIPPING browser test: " + why + " ***\n");
      assumeTrue(false, why);
    }
    Path profile = Files.createTempDirectory("zkchain-chromium-");
    Process process = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
        "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1280,900", "about:blank")
        .redirectErrorStream(true)
        .start();
    CompletableFuture<String> endpoint = new CompletableFuture<>();
    Path log = Path.of("target", "chromium-" + process.pid() + ".log");
    Thread drain = new Thread(() -> drain(process, endpoint, log), "chromium-output-" + process.pid());
    drain.setDaemon(true);
    drain.start();
    try {
      String browserWs = endpoint.get(30, TimeUnit.SECONDS);
      // ws://127.0.0.1:PORT/devtools/browser/ID: the page made at launch is listed at /json
      URI base = URI.create(browserWs.replace("ws://", "http://"));
      HttpClient http = HttpClient.newHttpClient();
      String pageWs = null;
      for (int attempt = 0; attempt < 50 && pageWs == null; attempt++) {
        var list = JSON.readTree(http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/json/list")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode target : list) {
          if (target.path("type").asText().equals("page")) pageWs = target.path("webSocketDebuggerUrl").asText();
        }
        if (pageWs == null) Thread.sleep(100);
      }
      if (pageWs == null) throw new IllegalStateException("Chromium at " + base + " lists no page");
      Browser[] self = new Browser[1];
      WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageWs), new WebSocket.Listener() {
        private final StringBuilder frame = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
          frame.append(data);
          if (last) {
            String text = frame.toString();
            frame.setLength(0);
            self[0].received(text);
          }
          webSocket.request(1);
          return null;
        }
      }).get(30, TimeUnit.SECONDS);
      Browser browser = new Browser(process, profile, ws);
      self[0] = browser;
      browser.send("Runtime.enable", Map.of());
      browser.send("Page.enable", Map.of());
      return browser;
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IllegalStateException("could not start Chromium at " + CHROMIUM + " (its output: " + log + ")", e);
    }
  }

  private static void drain(Process process, CompletableFuture<String> endpoint, Path log) {
    try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         var out = new PrintWriter(Files.newBufferedWriter(log), true)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line);
        int at = line.indexOf("ws://");
        if (line.startsWith("DevTools listening on") && at >= 0) endpoint.complete(line.substring(at).trim());
      }
    } catch (IOException e) {
      endpoint.completeExceptionally(e);
    }
    endpoint.completeExceptionally(new IllegalStateException("Chromium exited before it listened (see " + log + ")"));
  }

  private void received(String text) {
    try {
      JsonNode message = JSON.readTree(text);
      if (message.has("id")) {
        var future = pending.remove(message.get("id").asLong());
        if (future != null) future.complete(message);
      } else {
        String method = message.path("method").asText();
        if (method.equals("Runtime.consoleAPICalled")) {
          var args = message.path("params").path("args");
          var line = new StringBuilder(message.path("params").path("type").asText()).append(':');
          args.forEach(a -> line.append(' ').append(a.path("value").asText(a.path("description").asText())));
          console.add(line.toString());
        } else if (method.equals("Runtime.exceptionThrown")) {
          console.add("exception: " + message.path("params").path("exceptionDetails").path("exception")
              .path("description").asText(message.path("params").path("exceptionDetails").path("text").asText()));
        }
      }
    } catch (IOException e) {
      console.add("unreadable DevTools message: " + e.getMessage());
    }
  }

  /** Sends one DevTools command and waits for its result. */
  public JsonNode send(String method, Map<String, Object> params) {
    long id = ids.incrementAndGet();
    ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
    message.set("params", JSON.valueToTree(params));
    var future = new CompletableFuture<JsonNode>();
    pending.put(id, future);
    try {
      synchronized (page) {
        page.sendText(JSON.writeValueAsString(message), true).get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
      JsonNode reply = future.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (reply.has("error")) throw new IllegalStateException(method + " failed: " + reply.get("error"));
      return reply.path("result");
    } catch (Exception e) {
      pending.remove(id);
      if (e instanceof IllegalStateException ise) throw ise;
      throw new IllegalStateException(method + " got no answer from Chromium: " + e, e);
    }
  }

  /** Opens {@code url} and waits until its document has loaded. */
  public void open(String url) {
    send("Page.navigate", Map.of("url", url));
    if (!TestNodes.eventually(COMMAND_TIMEOUT, () -> "complete".equals(eval("document.readyState"))
        && url.equals(eval("location.href")))) {
      throw new IllegalStateException(url + " did not finish loading; the page's console: " + console);
    }
  }

  /** Evaluates a JavaScript expression in the page (awaiting a promise) and returns its value as Java. */
  public Object eval(String expression) {
    JsonNode result = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
        "awaitPromise", true));
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("'" + expression + "' threw: " + result.get("exceptionDetails"));
    }
    JsonNode value = result.path("result").path("value");
    return value.isMissingNode() || value.isNull() ? null : JSON.convertValue(value, Object.class);
  }

  /** The visible text of the first element matching a CSS selector, or null when none matches. */
  public String text(String selector) {
    return (String) eval("(e => e ? e.innerText : null)(document.querySelector(" + quote(selector) + "))");
  }

  /** Whether an element matches {@code selector} and is rendered (not display:none). */
  public boolean visible(String selector) {
    return Boolean.TRUE.equals(eval("(e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility"
        + " !== 'hidden')(document.querySelector(" + quote(selector) + "))"));
  }

  /** Types {@code text} into the input matching {@code selector}, as keystrokes. */
  public void type(String selector, String text) {
    eval("document.querySelector(" + quote(selector) + ").focus()");
    send("Input.insertText", Map.of("text", text));
  }

  /** Presses Enter in the focused element. */
  public void pressEnter() {
    send("Input.dispatchKeyEvent", Map.of("type", "keyDown", "key", "Enter", "code", "Enter",
        "windowsVirtualKeyCode", 13, "text", "\r"));
    send("Input.dispatchKeyEvent", Map.of("type", "keyUp", "key", "Enter", "code", "Enter",
        "windowsVirtualKeyCode", 13));
  }

  /** Moves the mouse over the centre of the element matching {@code selector}. */
  public void hover(String selector) {
    mouse(selector, "mouseMoved");
  }

  /** Clicks the centre of the element matching {@code selector}, as a mouse does. */
  public void click(String selector) {
    double[] at = mouse(selector, "mouseMoved");
    for (String type : List.of("mousePressed", "mouseReleased")) {
      send("Input.dispatchMouseEvent", Map.of("type", type, "x", at[0], "y", at[1], "button", "left", "clickCount", 1));
    }
  }

  private double[] mouse(String selector, String type) {
    @SuppressWarnings("unchecked")
    var centre = (List<Number>) eval("(e => { e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
        + " return [r.left + r.width / 2, r.top + r.height / 2]; })(document.querySelector(" + quote(selector) + "))");
    double[] at = {centre.get(0).doubleValue(), centre.get(1).doubleValue()};
    send("Input.dispatchMouseEvent", Map.of("type", type, "x", at[0], "y", at[1]));
    return at;
  }

  /** The viewport of a laptop or of a phone ({@code mobile}: touch-sized, device scale 2). */
  public void viewport(int width, int height, boolean mobile) {
    send("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
        "deviceScaleFactor", mobile ? 2 : 1, "mobile", mobile));
  }

  /** Saves a PNG of the whole page as target/screenshots/{name}.png and returns its path. */
  public Path screenshot(String name) throws IOException {
    JsonNode shot = send("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
    Files.createDirectories(SCREENSHOTS);
    Path file = SCREENSHOTS.resolve(name + ".png");
    Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
    return file;
  }

  /** Waits until {@code condition} holds, failing with the page's console and text when it never does. */
  public void await(String what, Duration timeout, Supplier<Boolean> condition) {
    if (!TestNodes.eventually(timeout, condition)) {
      throw new AssertionError(what + " did not happen within " + timeout.toSeconds() + " s; the page shows:\n"
          + text("body") + "\nits console: " + console);
    }
  }

  public List<String> console() {
    return List.copyOf(console);
  }

  public static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException {
    page.abort();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.walk(profile)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
