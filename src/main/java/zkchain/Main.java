package zkchain;

import com.typesafe.config.Config;
import java.io.File;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import zkchain.aggregator.AggregatorRole;
import zkchain.devnet.Devnet;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.l1.Deployer;
import zkchain.l1.L1Deployment;
import zkchain.node.ZkChainNode;
import zkchain.protocol.Hash32;
import zkchain.protocol.Secp256k1;
import zkchain.runtime.Configuration;
import zkchain.sequencer.SequencerRole;

/** Picks the role from the command line, layers the configuration, boots the system. */
public final class Main {
  private Main() {}

  static final String USAGE = """
      usage: zkchain <role> [options]

      roles:
        devnet      a whole local rollup: anvil, contracts, sequencer, aggregator, a node and a
                    load generator; prints the stage heads every second; Ctrl-C stops it
        node        an L2 node: batch entities, stage heads, management HTTP; with --l1 and
                    --rollup it syncs the rollup from L1 (Virtual and Consolidated), with
                    --feed it follows the sequencer's feed (Trusted)
        sequencer   the trusted sequencer: JSON-RPC for wallets, batches, feed, L1 sequencing
        aggregator  the trusted aggregator: proves and verifies Virtual batches on L1
        deploy-l1   deploys the verifier and ZkChainRollup to --l1 and writes --out FILE
        replay      (stopped node) reads every batch back from the journal, re-executes it on its
                    parent's root and checks the state root, accInputHash and L1-verified root;
                    stops at the first divergence (exit 1); exit 3 when a node runs on the database
        snapshot export --to FILE | snapshot import --from FILE
                    (stopped node) the state at the latest Consolidated batch, into one file / into
                    an empty database, checked against the root L1 verified

      options:
        --config FILE      HOCON layered over the defaults in conf/application.conf
        --data-dir DIR     H2 files and anything else on disk (default ./data)
        --http-port P      management HTTP port (default 8080)
        --l1 URL           L1 JSON-RPC endpoint
        --rollup FILE      the deployment file written by deploy-l1
        --feed URL[,URL]   (node) the sequencer feed(s) to follow, e.g. ws://127.0.0.1:8081/feed;
                           the next URL is the failover; every node serves its own feed on /feed
        --cluster-host H   (node) the address other cluster members reach this one at (default 127.0.0.1)
        --cluster-port P   (node) its cluster port (default 25520)
        --seed-nodes H:P[,H:P]  (node) members to join (their cluster host:port); every member of a
                           cluster uses the same PostgreSQL database; without: a cluster of one
        --rpc-port P       (sequencer) JSON-RPC port for wallets (default 8123); (node, devnet)
                           turns on the node's Ethereum JSON-RPC, HTTP and WebSocket (default 8124)
        --sequencer-rpc URL  (node) the sequencer's JSON-RPC, where eth_sendRawTransaction is relayed
        --out FILE         (deploy-l1) where to write the deployment file
        --verify           (replay) check every root (the default)
        --rebuild-state    (replay) write the recomputed trie into a fresh node store
        --rebuild-projections  (replay) drop the read side and run it again from the journal
        --from N, --to M   (replay) the batches to replay (default: all)
        --to FILE          (snapshot export) the snapshot file to write
        --from FILE        (snapshot import) the snapshot file to read
        --help             this text

      environment: ZKCHAIN_DB=postgres with ZKCHAIN_DB_URL, ZKCHAIN_DB_USER, ZKCHAIN_DB_PASSWORD
      selects PostgreSQL; ZKCHAIN_CLUSTER_HOST, ZKCHAIN_CLUSTER_PORT, ZKCHAIN_SEED_NODES as the
      flags; see README.md for every setting.
      """;

  /** A command line that does not parse; the message says which argument and why. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  record Invocation(String role, Config config, Map<String, Object> flags, File configFile) {}

  static final List<String> ROLES = List.of("node", "sequencer", "aggregator", "devnet", "deploy-l1", "replay",
      "snapshot");
  /** Options that take no value. */
  static final List<String> SWITCHES = List.of("--verify", "--rebuild-state", "--rebuild-projections");

  public static void main(String[] args) throws Exception {
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
    // loads libsecp256k1 or falls back now, so the log says which at start; the devnet does it
    // once it logs into its files (its console shows no INFO)
    if (!inv.role().equals("devnet")) Secp256k1.backend();
    switch (inv.role()) {
      case "node" -> {
        ZkChainNode node;
        try {
          node = ZkChainNode.start(inv.config());
        } catch (IllegalStateException e) {
          System.err.println("zkchain: " + e.getMessage());
          System.exit(1);
          return;
        }
        node.system().getWhenTerminated().toCompletableFuture().join();
        System.exit(exitCode(node.system()));
      }
      case "sequencer" -> awaitTermination(SequencerRole.start(inv.config()).process().system());
      case "aggregator" -> awaitTermination(AggregatorRole.start(inv.config()).process().system());
      case "devnet" -> runDevnet(inv);
      case "deploy-l1" -> deployL1(inv.config());
      case "replay" -> System.exit(zkchain.state.Replay.run(inv.config(), replayOptions(inv.config()), System.out,
          System.err, System.console() != null));
      case "snapshot" -> System.exit(zkchain.state.Snapshot.run(inv.config(), System.out, System.err));
      default -> throw new IllegalStateException("unreachable: role " + inv.role());
    }
  }

  /**
   * 0 after a stop that was asked for (SIGTERM); 1 when the cluster ended this member (downed by
   * the split brain resolver, or unable to join), so that its supervisor (systemd, Kubernetes)
   * starts it again and it joins as a new member.
   */
  static int exitCode(akka.actor.typed.ActorSystem<?> system) {
    var reason = akka.actor.CoordinatedShutdown.get(system.classicSystem()).getShutdownReason();
    boolean ended = reason.isPresent() && (reason.get() == akka.actor.CoordinatedShutdown.clusterDowningReason()
        || reason.get() == akka.actor.CoordinatedShutdown.clusterJoinUnsuccessfulReason());
    if (ended) System.err.println("zkchain: the cluster ended this member (" + reason.get() + "); exiting with 1");
    return ended ? 1 : 0;
  }

  private static void awaitTermination(akka.actor.typed.ActorSystem<?> system) {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /**
   * Runs the devnet until Ctrl-C, printing a line of the stage heads every second; the roles log
   * into files, and only their warnings and errors show between the live lines.
   */
  static void runDevnet(Invocation inv) throws Exception {
    Map<String, Object> flags = new HashMap<>(inv.flags());
    // The devnet stops its parts in order on Ctrl-C; Akka's own JVM hooks would race it.
    flags.put("akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
    Devnet devnet = Devnet.startWithLogFiles(flags, inv.configFile(), System.out);
    java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    Thread stopper = new Thread(() -> {
      stopping.set(true);
      System.out.println();
      System.out.println("stopping the devnet ...");
      devnet.close();
      System.out.println("stopped.");
    }, "devnet-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    boolean tty = System.console() != null;
    long start = System.nanoTime();
    long lastSent = 0;
    while (!stopping.get()) {
      Thread.sleep(1000);
      if (stopping.get()) break;
      long sent = devnet.transfersSent();
      String line;
      try {
        line = devnet.line((System.nanoTime() - start) / 1_000_000_000L, sent - lastSent);
      } catch (RuntimeException e) {
        if (stopping.get()) break; // the devnet is stopping under us
        throw e;
      }
      lastSent = sent;
      System.out.print(tty ? "\r" + line : line + "\n");
      System.out.flush();
    }
    stopper.join(); // the JVM exits once the devnet has stopped
  }

  /** Parses the command line; null means --help. */
  static Invocation parse(String[] args) throws UsageException {
    if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) return null;
    String role = args[0];
    if (!ROLES.contains(role)) throw new UsageException("unknown role '" + role + "'");
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("zkchain.role", role);
    File configFile = null;
    int first = 1;
    if (role.equals("snapshot")) {
      if (args.length < 2 || !List.of("export", "import").contains(args[1])) {
        throw new UsageException("snapshot needs export --to FILE or import --from FILE");
      }
      overrides.put("zkchain.snapshot.command", args[1]);
      first = 2;
    }
    for (int i = first; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) return null;
      if (role.equals("replay") && SWITCHES.contains(flag)) {
        overrides.put("zkchain.replay." + flag.substring(2), true);
        continue;
      }
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
        case "--feed" -> overrides.put("zkchain.feed.client.urls", List.of(value.split(",")));
        case "--rpc-port" -> {
          if (role.equals("sequencer")) {
            overrides.put("zkchain.sequencer.rpc.port", port(flag, value));
          } else {
            overrides.put("zkchain.rpc.port", port(flag, value));
            overrides.put("zkchain.rpc.enabled", true);
          }
        }
        case "--sequencer-rpc" -> overrides.put("zkchain.rpc.sequencer-url", value);
        case "--cluster-host" -> overrides.put("akka.remote.artery.canonical.hostname", value);
        case "--cluster-port" -> overrides.put("akka.remote.artery.canonical.port", port(flag, value));
        case "--seed-nodes" -> {
          try {
            overrides.put("akka.cluster.seed-nodes", Configuration.seedNodes(value));
          } catch (IllegalArgumentException e) {
            throw new UsageException("--seed-nodes: " + e.getMessage());
          }
        }
        case "--out" -> overrides.put("zkchain.deploy.out", value);
        case "--from" -> {
          if (role.equals("replay")) overrides.put("zkchain.replay.from", number(flag, value));
          else if (role.equals("snapshot")) overrides.put("zkchain.snapshot.file", value);
          else throw new UsageException("unknown option '" + flag + "'");
        }
        case "--to" -> {
          if (role.equals("replay")) overrides.put("zkchain.replay.to", number(flag, value));
          else if (role.equals("snapshot")) overrides.put("zkchain.snapshot.file", value);
          else throw new UsageException("unknown option '" + flag + "'");
        }
        default -> throw new UsageException("unknown option '" + flag + "'");
      }
    }
    Invocation inv;
    try {
      inv = new Invocation(role, Configuration.load(overrides, configFile), overrides, configFile);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage()); // ZKCHAIN_SEED_NODES that is not host:port
    }
    if (role.equals("deploy-l1")
        && (inv.config().getString("zkchain.l1.url").isEmpty() || !inv.config().hasPath("zkchain.deploy.out"))) {
      throw new UsageException("deploy-l1 needs --l1 URL and --out FILE");
    }
    if (role.equals("snapshot") && !inv.config().hasPath("zkchain.snapshot.file")) {
      throw new UsageException("snapshot " + inv.config().getString("zkchain.snapshot.command") + " needs "
          + (inv.config().getString("zkchain.snapshot.command").equals("export") ? "--to FILE" : "--from FILE"));
    }
    if (role.equals("replay")) {
      try {
        replayOptions(inv.config());
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
    }
    return inv;
  }

  /** --verify is the default; it is implied by --rebuild-state and left out by --rebuild-projections alone. */
  static zkchain.state.Replay.Options replayOptions(Config config) {
    Config r = config.getConfig("zkchain.replay");
    boolean rebuildState = r.getBoolean("rebuild-state");
    boolean rebuildProjections = r.getBoolean("rebuild-projections");
    boolean verify = r.getBoolean("verify") || !rebuildProjections;
    return new zkchain.state.Replay.Options(r.getLong("from"), r.getLong("to"), verify, rebuildState,
        rebuildProjections);
  }

  private static long number(String flag, String value) throws UsageException {
    try {
      long n = Long.parseLong(value);
      if (n < 0) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " must be a batch number, not '" + value + "'");
    }
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
