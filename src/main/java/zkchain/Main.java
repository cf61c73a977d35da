package zkchain;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import zkchain.node.ZkChainNode;

/** Picks the role from the command line, layers the configuration, boots the system. */
public final class Main {
  private Main() {}

  static final String USAGE = """
      usage: zkchain <role> [options]

      roles:
        node        an L2 node: batch entities, stage heads, management HTTP

      options (every role):
        --config FILE      HOCON layered over the defaults in conf/application.conf
        --data-dir DIR     H2 files and anything else on disk (default ./data)
        --http-port P      management HTTP port (default 8080)
        --help             this text

      environment: ZKCHAIN_DB=postgres with ZKCHAIN_DB_URL, ZKCHAIN_DB_USER, ZKCHAIN_DB_PASSWORD
      selects PostgreSQL; see README.md for every setting.
      """;

  /** A command line that does not parse; the message says which argument and why. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  record Invocation(String role, Config config) {}

  public static void main(String[] args) {
    Invocation inv;
    try {
      inv = parse(args);
    } catch (UsageException e) {
      System.err.println("zkchain: " + e.getMessage());
      System.err.println();
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    if (inv == null) {
      System.out.print(USAGE);
      return;
    }
    switch (inv.role()) {
      case "node" -> {
        ZkChainNode node = ZkChainNode.start(inv.config());
        node.system().getWhenTerminated().toCompletableFuture().join();
      }
      default -> throw new IllegalStateException("unreachable: role " + inv.role());
    }
  }

  /** Parses the command line; null means --help. */
  static Invocation parse(String[] args) throws UsageException {
    if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) return null;
    String role = args[0];
    if (!List.of("node").contains(role)) throw new UsageException("unknown role '" + role + "'");
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("zkchain.role", role);
    File configFile = null;
    for (int i = 1; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) return null;
      if (i + 1 >= args.length) throw new UsageException(flag + " needs a value");
      String value = args[++i];
      switch (flag) {
        case "--config" -> {
          configFile = new File(value);
          if (!configFile.isFile()) throw new UsageException("--config " + value + ": no such file");
        }
        case "--data-dir" -> overrides.put("zkchain.data-dir", value);
        case "--http-port" -> overrides.put("zkchain.http.port", port(flag, value));
        default -> throw new UsageException("unknown option '" + flag + "'");
      }
    }
    return new Invocation(role, loadConfig(overrides, configFile));
  }

  /** Flags over --config FILE over conf/application.conf (with its includes) over Akka's defaults. */
  public static Config loadConfig(Map<String, Object> overrides, File configFile) {
    Config layered = ConfigFactory.parseMap(overrides);
    if (configFile != null) layered = layered.withFallback(ConfigFactory.parseFile(configFile));
    return ConfigFactory.load(layered.withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }

  private static int port(String flag, String value) throws UsageException {
    try {
      int p = Integer.parseInt(value);
      if (p < 0 || p > 65535) throw new NumberFormatException();
      return p;
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " must be a port number (0-65535), not '" + value + "'");
    }
  }
}
