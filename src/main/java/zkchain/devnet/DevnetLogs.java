package zkchain.devnet;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * `zkchain devnet`'s logging: its console belongs to the URLs and the live line, so it shows only
 * WARN and ERROR, and each role's full log (INFO and up) goes to a file of its own. Replaces the
 * JVM's logback configuration with {@value #RESOURCE}, so it is for the `zkchain devnet` process
 * alone; every other command keeps logback.xml.
 */
final class DevnetLogs {
  private static final Logger log = LoggerFactory.getLogger(DevnetLogs.class);
  private static final String RESOURCE = "devnet-logback.xml";
  /** The files, by {@link RoleLogDiscriminator}'s names: the roles', then everything else's. */
  private static final List<String> NAMES = List.of("node", "sequencer", "aggregator", RoleLogDiscriminator.OTHERS);

  private DevnetLogs() {}

  /**
   * From now on, logs into {@code dir} (created if missing) and shows WARN and ERROR on the console.
   *
   * @return the log files, the roles' first
   * @throws IllegalStateException when the configuration does not load (logback would only say so
   *     on its status list, and the devnet would log nowhere)
   */
  static List<Path> toFiles(Path dir) throws IOException {
    Files.createDirectories(dir);
    URL config = DevnetLogs.class.getClassLoader().getResource(RESOURCE);
    if (config == null) throw new IllegalStateException(RESOURCE + " is not on the classpath");
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    long since = System.currentTimeMillis();
    context.reset();
    context.putProperty("LOG_DIR", dir.toString());
    // a terminal shows the live line without a newline: a warning first returns and erases it
    context.putProperty("CONSOLE_LINE_START", System.console() != null ? "\r\u001b[K" : "");
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      throw new IllegalStateException(RESOURCE + " did not load: " + e.getMessage(), e);
    }
    String errors = context.getStatusManager().getCopyOfStatusList().stream()
        .filter(s -> s.getLevel() >= Status.ERROR && s.getTimestamp() >= since)
        .map(Status::getMessage).collect(Collectors.joining("; "));
    if (!errors.isEmpty()) throw new IllegalStateException(RESOURCE + " did not load: " + errors);
    List<Path> files = NAMES.stream().map(name -> dir.resolve(name + ".log")).toList();
    log.info("the devnet logs into {}", files);
    return files;
  }
}
