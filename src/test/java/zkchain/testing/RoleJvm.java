package zkchain.testing;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A zk-chain role ({@code node}, {@code sequencer}, {@code aggregator}) in a JVM of its own, started
 * as {@code ./zkchain} starts it ({@code zkchain.Main}) on the test's classpath, so that a test can
 * kill it for real: {@link #kill()} is SIGKILL (kill -9), {@link #stop()} is SIGTERM.
 *
 * <p>Its settings go into a HOCON file passed with {@code --config}; its output goes to a log file
 * the test names, read back for the ports the role bound (ports are ephemeral).
 */
public final class RoleJvm implements AutoCloseable {
  private static final Pattern HTTP_PORT = Pattern.compile("management HTTP on http://[0-9.]+:(\\d+)");
  private static final Pattern RPC_PORT = Pattern.compile("Sequencer JSON-RPC on http://[0-9.]+:(\\d+)");

  private final String role;
  private final List<String> command;
  private final Path log;
  private Process process;
  private int starts;

  private RoleJvm(String role, List<String> command, Path log) {
    this.role = role;
    this.command = command;
    this.log = log;
  }

  /**
   * Prepares (does not start) {@code role} with {@code settings} over the defaults, in
   * {@code dir}: its config file, its log files ({@code role.log}, then {@code role-2.log} after a
   * restart, ...). {@code javaOptions} go before the main class (heap, system properties).
   */
  public static RoleJvm of(String role, Path dir, Map<String, Object> settings, List<String> javaOptions) {
    try {
      Files.createDirectories(dir);
      Path config = dir.resolve(role + ".conf");
      String hocon = ConfigFactory.parseMap(settings).root().render(ConfigRenderOptions.concise().setJson(false));
      Files.writeString(config, hocon, StandardCharsets.UTF_8);
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(javaOptions);
      cmd.add("-cp");
      cmd.add(classpath());
      cmd.add("zkchain.Main");
      cmd.add(role);
      cmd.add("--config");
      cmd.add(config.toString());
      return new RoleJvm(role, cmd, dir.resolve(role + ".log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static RoleJvm of(String role, Path dir, Map<String, Object> settings) {
    return of(role, dir, settings, List.of("-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
  }

  /** Surefire's test classpath (its manifest-only booter jar hides it from java.class.path). */
  public static String classpath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  /** Starts (or restarts) the process and waits until its management HTTP port is bound. */
  public RoleJvm start(Duration timeout) {
    if (process != null && process.isAlive()) throw new IllegalStateException(role + " is already running");
    starts++;
    Path out = currentLog();
    try {
      Files.deleteIfExists(out);
      process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + role, e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (find(HTTP_PORT) > 0) return this;
      if (!process.isAlive()) {
        throw new IllegalStateException(role + " exited with " + process.exitValue() + " while starting; its log "
            + out + " ends with:\n" + tail(out, 40));
      }
      sleep(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException(role + " did not bind its HTTP port within " + timeout + "; its log " + out
        + " ends with:\n" + tail(out, 40));
  }

  /** The log file of the current (latest) start. */
  public Path currentLog() {
    return starts <= 1 ? log : log.resolveSibling(role + "-" + starts + ".log");
  }

  public int httpPort() {
    return find(HTTP_PORT);
  }

  public String httpUrl() {
    return "http://127.0.0.1:" + httpPort();
  }

  /** The sequencer's JSON-RPC port, once it logged it. */
  public int rpcPort() {
    return find(RPC_PORT);
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** kill -9: no shutdown hook runs, nothing is flushed. Waits until the process is gone. */
  public void kill() {
    if (process == null) return;
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(30));
  }

  /** SIGTERM: the JVM's shutdown hooks run (Akka's coordinated shutdown). Waits for the exit. */
  public int stop() {
    if (process == null) return 0;
    process.destroy();
    return waitFor(Duration.ofSeconds(60));
  }

  private int waitFor(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Every line of the current log (empty when none was written yet). */
  public List<String> logLines() {
    try {
      return Files.exists(currentLog()) ? Files.readAllLines(currentLog(), StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int find(Pattern pattern) {
    for (String line : logLines()) {
      Matcher m = pattern.matcher(line);
      if (m.find()) return Integer.parseInt(m.group(1));
    }
    return -1;
  }

  private static String tail(Path file, int lines) {
    try {
      List<String> all = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (isAlive()) stop();
  }
}
