package zkchain.devnet;

import com.typesafe.config.Config;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import zkchain.DevKeys;
import zkchain.aggregator.AggregatorRole;
import zkchain.batch.StageHeads;
import zkchain.derive.L1Status;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.infra.Database;
import zkchain.l1.Deployer;
import zkchain.node.ZkChainNode;
import zkchain.protocol.Secp256k1;
import zkchain.sequencer.SequencerRole;

/**
 * `zkchain devnet`: a whole rollup on this machine with embedded defaults. anvil as L1 (a block a
 * second), the contracts deployed with the dev keys, the trusted sequencer, the trusted
 * aggregator, a node following the sequencer's feed and L1, and a load generator sending
 * transfers through the sequencer's JSON-RPC. Prints a live line of the stage heads.
 * Each run starts a fresh chain: anvil keeps nothing, so the devnet's data directory is cleared.
 * Each role runs on threads marked as its own ({@link RoleClassLoader}), so that
 * {@link #startWithLogFiles} can give each its own log file.
 */
public final class Devnet implements AutoCloseable {
  /** The dev keys the load generator sends from (the roles' keys are left alone). */
  static final List<Integer> LOAD_KEYS = List.of(4, 5, 6, 7, 8, 9);

  private final Components running = new Components();
  private ZkChainNode node;
  private SequencerRole sequencer;
  private LoadGenerator load;
  private Anvil anvil;

  private Devnet() {}

  /**
   * @param flags the command line's settings, for every role
   * @param configFile the --config file, passed on to every role, or null
   */
  public static Devnet start(Map<String, Object> flags, File configFile, PrintStream out) throws IOException {
    return start(flags, configFile, out, false);
  }

  /**
   * As {@link #start}, for `zkchain devnet`, whose console shows the URLs and the live line: from
   * the start on, the JVM logs INFO and up into DATA_DIR/devnet/logs, a file per role, and only
   * WARN and ERROR on the console ({@link DevnetLogs}).
   */
  public static Devnet startWithLogFiles(Map<String, Object> flags, File configFile, PrintStream out)
      throws IOException {
    return start(flags, configFile, out, true);
  }

  private static Devnet start(Map<String, Object> flags, File configFile, PrintStream out, boolean logFiles)
      throws IOException {
    Devnet devnet = new Devnet();
    try {
      devnet.boot(flags, configFile, out, logFiles);
      return devnet;
    } catch (RuntimeException | IOException e) {
      devnet.close();
      throw e;
    }
  }

  /** Starts every part, then prints the URLs, the node's web page first, and the log files. */
  private void boot(Map<String, Object> flags, File configFile, PrintStream out, boolean logFiles)
      throws IOException {
    Config cli = zkchain.runtime.Configuration.load(flags, configFile);
    Path dir = Path.of(cli.getString("zkchain.data-dir")).toAbsolutePath().resolve("devnet");
    clear(dir);
    Files.createDirectories(dir);
    List<Path> logs = logFiles ? DevnetLogs.toFiles(dir.resolve("logs")) : List.of();
    Secp256k1.backend(); // loads libsecp256k1 or falls back now, so the log says which at start
    out.println("starting the devnet in " + dir + " ...");
    List<String> lines = new ArrayList<>(); // printed once everything runs, under the web page

    // finalized = head - 2 blocks (anvil: two epochs), so the finalized tag moves within seconds
    anvil = Anvil.start("--block-time", "1", "--slots-in-an-epoch", "1");
    running.add(anvil);
    lines.add("L1 (anvil):      " + anvil.url());

    Genesis genesis = Genesis.load(Path.of(cli.getString("zkchain.genesis-file")));
    Path rollupFile = dir.resolve("rollup.json");
    var deployment = Deployer.run(anvil.url(), rollupFile, genesis.chainId(),
        genesis.write(new InMemoryNodeStore()).hex());
    lines.add("rollup:          " + deployment.rollup() + " (deployment in " + rollupFile + ")");

    Config sequencerConfig = roleConfig(flags, configFile, "sequencer", dir, 0, rollupFile, List.of());
    sequencer = RoleClassLoader.startAs("sequencer", () -> SequencerRole.start(sequencerConfig));
    running.add(sequencer);
    lines.add("sequencer:       JSON-RPC " + sequencer.rpcUrl() + ", feed " + sequencer.feedUrl()
        + ", metrics http://127.0.0.1:" + sequencer.process().httpPort() + "/metrics");

    Config aggregatorConfig = roleConfig(flags, configFile, "aggregator", dir, 0, rollupFile, List.of());
    AggregatorRole aggregator = RoleClassLoader.startAs("aggregator", () -> AggregatorRole.start(aggregatorConfig));
    running.add(aggregator);
    lines.add("aggregator:      management http://127.0.0.1:" + aggregator.process().httpPort()
        + ", metrics http://127.0.0.1:" + aggregator.process().httpPort() + "/metrics");

    int nodePort = cli.getInt("zkchain.http.port");
    Map<String, Object> nodeFlags = new HashMap<>(flags);
    nodeFlags.put("zkchain.rpc.enabled", true);
    nodeFlags.put("zkchain.rpc.sequencer-url", sequencer.rpcUrl());
    Config nodeConfig = roleConfig(nodeFlags, configFile, "node", dir, nodePort, rollupFile,
        List.of(sequencer.feedUrl()));
    node = RoleClassLoader.startAs("node", () -> ZkChainNode.start(nodeConfig));
    running.add(node);
    lines.add("node:            " + node.httpUrl() + "/status, feed " + node.httpUrl().replace("http", "ws") + "/feed"
        + ", metrics " + node.httpUrl() + "/metrics");
    String rpc = node.rpcUrl().orElseThrow();
    lines.add("node JSON-RPC:   " + rpc + " (WebSocket " + rpc.replace("http", "ws") + ")");

    load = LoadGenerator.start(sequencer.rpcUrl(), LOAD_KEYS.stream().map(DevKeys::key).toList(),
        cli.getDouble("zkchain.devnet.transfers-per-second"));
    running.add(load);
    lines.add("load generator:  " + cli.getDouble("zkchain.devnet.transfers-per-second")
        + " transfers/s from dev keys " + LOAD_KEYS);

    out.println("web page:        " + node.httpUrl() + "/");
    lines.forEach(out::println);
    if (!logs.isEmpty()) {
      out.println("logs:            " + logs.stream().map(Path::toString).collect(Collectors.joining(", ")));
    }
  }

  private Config roleConfig(Map<String, Object> flags, File configFile, String role, Path dir, int httpPort,
                            Path rollupFile, List<String> feeds) {
    String l1Url = anvil.url();
    Map<String, Object> o = new HashMap<>(flags);
    o.put("zkchain.role", role);
    o.put("zkchain.data-dir", dir.resolve(role).toString());
    o.put("zkchain.http.port", httpPort);
    o.put("zkchain.sequencer.rpc.port", 0);
    o.put("akka.remote.artery.canonical.port", 0);
    o.put("zkchain.l1.url", l1Url);
    o.put("zkchain.l1.rollup-file", rollupFile.toString());
    o.put("zkchain.feed.client.urls", feeds);
    return zkchain.runtime.Configuration.load(o, configFile);
  }

  /** One line of what the devnet is doing: the node's stage heads and the load. */
  public String line(long seconds, long transfersLastSecond) {
    var heads = StageHeads.read(Database.get(node.system()).dataSource());
    long l1Head = node.l1().map(L1Status.Snapshot::l1Head).orElse(0L);
    return String.format("[%4ds] batches: trusted %d  virtual %d  consolidated %d | %d transfers/s (%d sent) | L1 block %d",
        seconds, heads.trusted(), heads.virtual(), heads.consolidated(), transfersLastSecond, load.sent(), l1Head);
  }

  public long transfersSent() {
    return load.sent();
  }

  public ZkChainNode node() {
    return node;
  }

  private static void clear(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  /** Stops everything, newest first: load, node, aggregator, sequencer, L1. */
  @Override
  public void close() {
    running.close();
  }
}
