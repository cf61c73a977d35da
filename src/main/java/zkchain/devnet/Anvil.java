package zkchain.devnet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real anvil process from the build's npm install (package.json), bound to 127.0.0.1.
 * Used by the devnet and by every test that needs L1.
 */
public final class Anvil implements AutoCloseable {
  private final Process process;
  private final int port;

  private Anvil(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts anvil on a free port with the given extra arguments and waits until it listens. */
  public static Anvil start(List<String> extraArgs) {
    int port = freePort();
    List<String> cmd = new ArrayList<>();
    // A session of its own: Ctrl-C on the terminal must not kill L1 before the roles using it stop.
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.add("/usr/bin/setsid");
    cmd.add(executable().toString());
    cmd.add("--host");
    cmd.add("127.0.0.1");
    cmd.add("--port");
    cmd.add(Integer.toString(port));
    cmd.addAll(extraArgs);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      CompletableFuture<Void> listening = new CompletableFuture<>();
      Thread reader = new Thread(() -> drain(p, listening), "anvil-" + port);
      reader.setDaemon(true);
      reader.start();
      try {
        listening.get(30, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        p.destroyForcibly();
        throw new IllegalStateException("anvil did not start listening on port " + port + " within 30 s");
      }
      return new Anvil(p, port);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start anvil (" + executable() + "): " + e.getMessage()
          + "; run `npm install` at the project root", e);
    } catch (Exception e) {
      throw new IllegalStateException("anvil failed to start: " + e.getMessage(), e);
    }
  }

  public static Anvil start(String... extraArgs) {
    return start(List.of(extraArgs));
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Calls one of anvil's own JSON-RPC methods (anvil_*, evm_*); throws with anvil's error. */
  public void call(String method, Object... params) {
    try {
      var body = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
          java.util.Map.of("jsonrpc", "2.0", "id", 1, "method", method, "params", java.util.List.of(params)));
      var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url()))
          .timeout(java.time.Duration.ofSeconds(30)).header("content-type", "application/json")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
      String reply = java.net.http.HttpClient.newHttpClient()
          .send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      if (reply.contains("\"error\"")) throw new IllegalStateException(method + " failed: " + reply);
    } catch (IOException e) {
      throw new IllegalStateException(method + ": anvil unreachable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops mining: whatever is sent stays pending until {@link #mineEverySecond()}. */
  public void pauseMining() {
    call("evm_setAutomine", false);
    call("evm_setIntervalMining", 0);
  }

  /** A block a second, as the devnet runs it. */
  public void mineEverySecond() {
    call("evm_setIntervalMining", 1);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The anvil binary: $ZKCHAIN_TOOLS_DIR, -Dzkchain.tools.dir or ./node_modules, then .bin/anvil. */
  public static Path executable() {
    String dir = System.getProperty("zkchain.tools.dir", System.getenv("ZKCHAIN_TOOLS_DIR"));
    Path tools = Path.of(dir != null ? dir : "node_modules");
    Path bin = tools.resolve(".bin").resolve("anvil");
    if (!Files.isExecutable(bin)) {
      throw new IllegalStateException("anvil not found at " + bin.toAbsolutePath()
          + "; run `npm install` at the project root (the Maven build does it)");
    }
    return bin;
  }

  private static void drain(Process p, CompletableFuture<Void> listening) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.contains("Listening on")) listening.complete(null);
      }
    } catch (IOException ignored) {
      // the process ended; close() or the start timeout reports it
    }
    listening.completeExceptionally(new IllegalStateException("anvil exited with " + waitExit(p)));
  }

  private static int waitExit(Process p) {
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      return -1;
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
