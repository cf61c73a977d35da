package zkchain.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How every role reads its settings. */
public final class Configuration {
  private Configuration() {}

  /** The actor system's name: part of every cluster address, the same on every member. */
  public static final String SYSTEM_NAME = "zkchain";

  /**
   * Flags over --config FILE over the environment variables HOCON cannot read by itself
   * (ZKCHAIN_SEED_NODES) over conf/application.conf (with its includes, which read the others)
   * over Akka's defaults.
   */
  public static Config load(Map<String, Object> overrides, File configFile) {
    return load(overrides, configFile, System.getenv());
  }

  static Config load(Map<String, Object> overrides, File configFile, Map<String, String> env) {
    Config layered = ConfigFactory.parseMap(overrides);
    if (configFile != null) layered = layered.withFallback(ConfigFactory.parseFile(configFile));
    String seeds = env.getOrDefault("ZKCHAIN_SEED_NODES", "");
    if (!seeds.isBlank()) {
      layered = layered.withFallback(ConfigFactory.parseMap(Map.of("akka.cluster.seed-nodes", seedNodes(seeds))));
    }
    return ConfigFactory.load(layered.withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }

  private static final Pattern HOST_PORT = Pattern.compile("([^\\s:/@]+|\\[[0-9a-fA-F:]+\\]):(\\d{1,5})");

  /**
   * {@code host:port,host:port} (the --seed-nodes flag, ZKCHAIN_SEED_NODES) as the cluster
   * addresses {@code akka.cluster.seed-nodes} takes.
   *
   * @throws IllegalArgumentException naming the entry that is not host:port
   */
  public static List<String> seedNodes(String hostPorts) {
    List<String> out = new ArrayList<>();
    for (String entry : hostPorts.split(",")) {
      Matcher m = HOST_PORT.matcher(entry.trim());
      int port = m.matches() ? Integer.parseInt(m.group(2)) : 0;
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("seed node '" + entry.trim() + "' is not host:port (the cluster port "
            + "of another member, 1-65535), e.g. 10.0.0.1:25520");
      }
      out.add("akka://" + SYSTEM_NAME + "@" + m.group(1) + ":" + port);
    }
    return out;
  }
}
