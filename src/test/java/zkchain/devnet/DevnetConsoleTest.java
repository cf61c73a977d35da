package zkchain.devnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.testing.RoleJvm;

/**
 * `zkchain devnet` as one runs it: {@code zkchain.Main} in a JVM of its own, its stdout read as a
 * file (not a tty, so a live line per second). The console shows the URLs, the node's web page
 * first, the log files, then only the live line and warnings; every role's INFO lines are in its
 * own file, and nowhere else.
 */
class DevnetConsoleTest {
  private static final Pattern LIVE = Pattern.compile("\\[\\s*\\d+s] batches: trusted (\\d+) .*");
  /** A line of logback's pattern, %d{HH:mm:ss.SSS} %-5level %logger{24} - %msg. */
  private static final Pattern LOG = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (\\w+)\\s+\\S+ - .*");
  /** What the devnet prints before its live line: a label, then URLs or numbers. */
  private static final Pattern HEADER = Pattern.compile("starting the devnet in \\S+ \\.\\.\\.|[a-zA-Z][\\w ()-]*:\\s+\\S.*");
  /** The lines of a stack trace under a WARN or ERROR line. */
  private static final Pattern TRACE = Pattern.compile("\\s+\\S.*|(Caused by|Suppressed): .*|[\\w.$]+(Exception|Error)(: .*)?");
  private static final List<String> STOPPING = List.of("", "stopping the devnet ...", "stopped.");
  private static final List<String> ROLES = List.of("node", "sequencer", "aggregator");

  @Test
  void theConsoleShowsUrlsTheLiveLineAndWarningsAndTheRolesLogIntoTheirFiles(@TempDir Path dir) throws Exception {
    Path stdout = dir.resolve("stdout.txt");
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1536m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", RoleJvm.classpath(), "zkchain.Main",
        "devnet", "--data-dir", dir.resolve("data").toString(), "--http-port", "0", "--rpc-port", "0");
    Process devnet = new ProcessBuilder(command).redirectOutput(stdout.toFile())
        .redirectError(dir.resolve("stderr.txt").toFile()).start();
    try {
      awaitTrustedBatches(devnet, stdout, Duration.ofSeconds(120));

      List<String> printed = Files.readAllLines(stdout, StandardCharsets.UTF_8);
      String firstUrl = printed.stream().filter(l -> l.contains("http://")).findFirst().orElseThrow();
      Matcher page = Pattern.compile("web page:\\s+(http://127\\.0\\.0\\.1:\\d+/)").matcher(firstUrl);
      assertTrue(page.matches(), "the first URL printed is not the web page's: " + firstUrl);
      assertPageServed(page.group(1));

      List<Path> logs = logFiles(printed);
      assertEquals(List.of("node.log", "sequencer.log", "aggregator.log", "devnet.log"),
          logs.stream().map(p -> p.getFileName().toString()).toList());
      assertEquals(dir.resolve("data").resolve("devnet").resolve("logs").toAbsolutePath(), logs.get(0).getParent());
      for (Path log : logs) assertTrue(Files.isRegularFile(log), "no log file " + log);
      for (String role : ROLES) {
        String log = Files.readString(logs.get(0).resolveSibling(role + ".log"));
        // logger names as %logger{24} shortens them: zkchain.node.Ingest, z.sequencer.Sequencer
        assertTrue(Pattern.compile("(?m)^\\S+ INFO  (zkchain|z)\\." + role + "\\.").matcher(log).find(),
            role + ".log has no INFO line of a " + role + " component:\n" + log);
        for (String other : ROLES) {
          assertEquals(other.equals(role), log.contains("zk-chain " + other + " up: management HTTP"),
              role + ".log and the " + other + "'s start line");
        }
      }
      assertTrue(Files.readString(logs.get(3)).contains("INFO  z.devnet.DevnetLogs - the devnet logs into"),
          "devnet.log lacks the devnet's own lines");

      devnet.destroy(); // SIGTERM, as Ctrl-C
      assertTrue(devnet.waitFor(60, TimeUnit.SECONDS), "the devnet did not stop within 60 s of SIGTERM");
      assertConsoleLines(Files.readAllLines(stdout, StandardCharsets.UTF_8));
    } finally {
      stop(devnet);
    }
  }

  /**
   * After a failure too: SIGTERM, so that the devnet stops its anvil, which runs in a session of
   * its own and outlives a killed JVM; SIGKILL after 60 s, and then to whatever it left running.
   */
  private static void stop(Process devnet) throws InterruptedException {
    List<ProcessHandle> children = devnet.descendants().toList();
    devnet.destroy();
    if (!devnet.waitFor(60, TimeUnit.SECONDS)) devnet.destroyForcibly().waitFor();
    children.forEach(ProcessHandle::destroyForcibly);
  }

  private static void awaitTrustedBatches(Process devnet, Path stdout, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : Files.readAllLines(stdout, StandardCharsets.UTF_8)) {
        Matcher live = LIVE.matcher(line);
        if (live.matches() && Long.parseLong(live.group(1)) > 0) return;
      }
      if (!devnet.isAlive()) fail("the devnet exited with " + devnet.exitValue() + "; it printed:\n" + Files.readString(stdout));
      Thread.sleep(500);
    }
    fail("no trusted batch within " + timeout + "; the devnet printed:\n" + Files.readString(stdout));
  }

  private static void assertPageServed(String url) throws IOException, InterruptedException {
    HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"), page.headers().toString());
  }

  /** The files of the "logs:" line. */
  private static List<Path> logFiles(List<String> printed) {
    String line = printed.stream().filter(l -> l.startsWith("logs:")).findFirst()
        .orElseThrow(() -> new AssertionError("no logs: line in\n" + String.join("\n", printed)));
    return Arrays.stream(line.substring("logs:".length()).trim().split(", ")).map(Path::of).toList();
  }

  /**
   * Header lines until the first live line, then live lines and the stop's; WARN and ERROR log
   * lines (and their stack traces) anywhere; no other log line.
   */
  private static void assertConsoleLines(List<String> printed) {
    List<String> wrong = new ArrayList<>();
    boolean live = false;
    boolean inWarning = false;
    for (String line : printed) {
      Matcher log = LOG.matcher(line);
      if (log.matches()) {
        inWarning = log.group(1).equals("WARN") || log.group(1).equals("ERROR");
        if (!inWarning) wrong.add(line);
        continue;
      }
      if (inWarning && TRACE.matcher(line).matches()) continue;
      inWarning = false;
      live |= LIVE.matcher(line).matches();
      boolean ok = live ? LIVE.matcher(line).matches() || STOPPING.contains(line) : HEADER.matcher(line).matches();
      if (!ok) wrong.add(line);
    }
    assertTrue(wrong.isEmpty(), "the console shows lines other than the URLs, the live line and warnings:\n"
        + String.join("\n", wrong) + "\n--- all of it:\n" + String.join("\n", printed));
    assertTrue(printed.stream().filter(l -> LIVE.matcher(l).matches()).count() > 1, "fewer than 2 live lines");
  }
}
