package zkchain;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.l1.Deployer;
import zkchain.l1.L1Deployment;
import zkchain.node.ZkChainNode;
import zkchain.protocol.Hash32;

/** Picks the role from the command line, layers the configuration, boots the system. */
public final class Main {
  private Main() {}

  static final String USAGE = """
      usage: zkchain <role> [options]

      roles:
        node        an L2 node: batch entities, stage heads, management HTTP; with --l1 and
                    --rollup it syncs the rollup from L1 (Virtual and Consolidated)
        deploy-l1   deploys the verifier and ZkChainRollup to --l1 and writes --out FILE

      options:
        --config FILE      HOCON layered over the defaults in conf/application.conf
        --data-dir DIR     H2 files and anything else on disk (default ./data)
        --http-port P      management HTTP port (default 8080)
        --l1 URL           L1 JSON-RPC endpoint
        --rollup FILE      the deployment file written by deploy-l1
        --out FILE         (deploy-l1) where to write the deployment file
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

  static final List<String> ROLES = List.of("node", "deploy-l1");

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
      case "deploy-l1" -> deployL1(inv.config());
      default -> throw new IllegalStateException("unreachable: role " + inv.role());
    }
  }

  /** Parses the command line; null means --help. */
  static Invocation parse(String[] args) throws UsageException {
    if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) return null;
    String role = args[0];
    if (!ROLES.contains(role)) throw new UsageException("unknown role '" + role + "'");
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
        case "--l1" -> overrides.put("zkchain.l1.url", value);
        case "--rollup" -> overrides.put("zkchain.l1.rollup-file", value);
        case "--out" -> overrides.put("zkchain.deploy.out", value);
        default -> throw new UsageException("unknown option '" + flag + "'");
      }
    }
    Invocation inv = new Invocation(role, loadConfig(overrides, configFile));
    if (role.equals("deploy-l1")
        && (inv.config().getString("zkchain.l1.url").isEmpty() || !inv.config().hasPath("zkchain.deploy.out"))) {
      throw new UsageException("deploy-l1 needs --l1 URL and --out FILE");
    }
    return inv;
  }

  /** Deploys with the keys of zkchain.deploy (dev keys where empty) and the genesis root of zkchain.genesis-file. */
  static void deployL1(Config config) {
    Genesis genesis = Genesis.load(Path.of(config.getString("zkchain.genesis-file")));
    Hash32 root = genesis.write(new InMemoryNodeStore());
    Config keys = config.getConfig("zkchain.deploy");
    Deployer.Roles dev = Deployer.Roles.dev();
    String deployerKey = or(keys.getString("deployer-key"), DevKeys.key(DevKeys.L1_ADMIN));
    Deployer.Roles roles = new Deployer.Roles(
        or(keys.getString("admin"), org.web3j.crypto.Credentials.create(deployerKey).getAddress()),
        or(keys.getString("trusted-sequencer"), dev.trustedSequencer()),
        or(keys.getString("trusted-aggregator"), dev.trustedAggregator()),
        or(keys.getString("prover"), dev.prover()));
    try {
      L1Deployment d = Deployer.run(config.getString("zkchain.l1.url"), Path.of(config.getString("zkchain.deploy.out")),
          deployerKey, roles, genesis.chainId(), root.hex());
      System.out.println(d.toJson());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot write the deployment file: " + e.getMessage(), e);
    }
  }

  /** Flags over --config FILE over conf/application.conf (with its includes) over Akka's defaults. */
  public static Config loadConfig(Map<String, Object> overrides, File configFile) {
    Config layered = ConfigFactory.parseMap(overrides);
    if (configFile != null) layered = layered.withFallback(ConfigFactory.parseFile(configFile));
    return ConfigFactory.load(layered.withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }

  private static String or(String configured, String fallback) {
    return configured.isEmpty() ? fallback : configured;
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
