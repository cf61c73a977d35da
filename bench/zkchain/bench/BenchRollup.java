package zkchain.bench;

import akka.actor.typed.ActorSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.batch.BatchEntity;
import zkchain.batch.StageHeads;
import zkchain.devnet.Anvil;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.infra.Database;
import zkchain.l1.BatchData;
import zkchain.l1.Deployer;
import zkchain.l1.L1Sender;
import zkchain.l1.ZkChainRollup;
import zkchain.node.ZkChainNode;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.testing.L1Workload;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * What one benchmark run stands on: nodes on H2 (a file of their own) or PostgreSQL (a schema of
 * their own on the test server, dropped at close), and, for nodes that follow a rollup, anvil as
 * L1 (a block per transaction) with the contracts deployed for conf/genesis.json and the dev
 * roles. It plays the trusted sequencer on L1, and waits for a node's batches to reach a stage.
 * Closing it stops everything it started, newest first, and deletes its files.
 */
final class BenchRollup implements AutoCloseable {
  static final Genesis GENESIS = Genesis.load(L1Workload.GENESIS_FILE);
  /** Batches per sequenceBatches call (-DperCall), as the sequencer's default. */
  static final int PER_CALL = Integer.getInteger("perCall", 10);
  /** L1 blocks a node reads at a time in the L1 benchmarks (-DlogsChunk). */
  static final int LOGS_CHUNK = Integer.getInteger("logsChunk", 20);
  /** A wait fails when the node shows no progress this long (however long the whole wait takes). */
  private static final Duration STALL = Duration.ofMinutes(2);

  /** The database a node journals to. */
  enum Db {
    H2, POSTGRES;

    /** The databases named by -Ddb=h2|postgres|both, {@code defaultValue} when it is not given. */
    static List<Db> fromProperty(String defaultValue) {
      String v = System.getProperty("db", defaultValue).toLowerCase();
      return switch (v) {
        case "h2" -> List.of(H2);
        case "postgres", "postgresql", "pg" -> List.of(POSTGRES);
        case "both" -> List.of(H2, POSTGRES);
        default -> throw new IllegalArgumentException("-Ddb must be h2, postgres or both, not " + v);
      };
    }

    String label() {
      return this == H2 ? "H2 file" : "PostgreSQL";
    }
  }

  private final Path dir;
  private final Anvil anvil;
  private final Path rollupFile;
  private final String rollupAddress;
  private final Deque<AutoCloseable> running = new ArrayDeque<>();

  private BenchRollup(Path dir, Anvil anvil, Path rollupFile, String rollupAddress) {
    this.dir = dir;
    this.anvil = anvil;
    this.rollupFile = rollupFile;
    this.rollupAddress = rollupAddress;
    if (anvil != null) running.push(anvil);
  }

  /** Nodes with no L1 (batch entities, journal and stage heads, no doors): for what needs no rollup. */
  static BenchRollup withoutL1() {
    return new BenchRollup(tempDir(), null, null, null);
  }

  /** anvil and a fresh deployment of the rollup. */
  static BenchRollup onAnvil() {
    Path dir = tempDir();
    Anvil anvil = L1Workload.startL1();
    try {
      Path rollupFile = dir.resolve("rollup.json");
      var deployment = Deployer.run(anvil.url(), rollupFile, GENESIS.chainId(),
          GENESIS.write(new InMemoryNodeStore()).hex());
      return new BenchRollup(dir, anvil, rollupFile, deployment.rollup());
    } catch (IOException | RuntimeException e) {
      anvil.close();
      throw new IllegalStateException("cannot deploy the rollup on anvil: " + e.getMessage(), e);
    }
  }

  /**
   * A node named {@code name} on {@code db}, following {@code feeds} (none: L1 alone) and, with
   * anvil, L1; {@code extra} settings on top. Stopped at close.
   */
  ZkChainNode startNode(String name, Db db, List<String> feeds, Map<String, Object> extra) {
    Map<String, Object> settings = new HashMap<>();
    if (anvil != null) {
      settings.put("zkchain.l1.url", anvil.url());
      settings.put("zkchain.l1.rollup-file", rollupFile.toString());
      settings.put("zkchain.feed.client.urls", feeds);
    }
    if (db == Db.POSTGRES) {
      TestDatabases.PgSchema schema = TestDatabases.freshPgSchema();
      running.push(schema);
      settings.putAll(schema.zkchainDbConfig());
    }
    settings.putAll(extra);
    ZkChainNode node = ZkChainNode.start(TestNodes.config(dir.resolve(name), settings));
    running.push(node);
    return node;
  }

  String l1Url() {
    return anvil.url();
  }

  String rollupAddress() {
    return rollupAddress;
  }

  Path rollupFile() {
    return rollupFile;
  }

  Path dir() {
    return dir;
  }

  /** Stops a node now (before the others), so that the next one has the machine to itself. */
  void stop(ZkChainNode node) {
    running.remove(node);
    node.close();
  }

  /**
   * How the L1 benchmarks' nodes read L1: {@link #LOGS_CHUNK} blocks at a time, an idle L1 asked
   * again after 50 ms (the default 1 s would be most of what they time).
   */
  static Map<String, Object> readingL1() {
    return Map.of("zkchain.l1.logs-chunk-size", LOGS_CHUNK, "zkchain.l1.poll-interval", "50ms");
  }

  /** The L1 benchmarks' setting, for their first line. */
  static String l1Line() {
    return String.format("sequenced %d a call, read %d L1 blocks at a time", PER_CALL, LOGS_CHUNK);
  }

  /** Sequences the batches on L1 as the trusted sequencer, {@link #PER_CALL} a sequenceBatches call. */
  void sequence(List<BatchMessage> batches) {
    Web3j web3j = Web3j.build(new HttpService(anvil.url()));
    try {
      long l1ChainId = web3j.ethChainId().send().getChainId().longValueExact();
      ZkChainRollup rollup = ZkChainRollup.at(new L1Sender(web3j, Credentials.create(DevKeys.key(DevKeys.SEQUENCER)),
          l1ChainId, Duration.ofMillis(10), Duration.ofSeconds(60)), rollupAddress);
      for (int i = 0; i < batches.size(); i += PER_CALL) {
        List<BatchMessage> call = batches.subList(i, Math.min(batches.size(), i + PER_CALL));
        rollup.sequenceBatches(call.stream().map(m -> new BatchData(m.batch().transactions(), m.batch().timestamp()))
            .toList(), SignedBatches.coinbase().hex());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read anvil's chain id", e);
    } finally {
      web3j.shutdown();
    }
  }

  /** Mines {@code blocks} empty L1 blocks at once. */
  void mine(long blocks) {
    anvil.call("anvil_mine", "0x" + Long.toHexString(blocks));
  }

  /** Waits until the node's Virtual head (in memory, moved after each delivered L1 step) reaches {@code batch}. */
  static void awaitVirtual(ZkChainNode node, long batch) {
    await(() -> node.l1().orElseThrow().virtualHead() >= batch, () -> node.l1().orElseThrow().virtualHead(),
        () -> "the node's Virtual head did not reach " + batch + ": " + node.l1().orElseThrow());
  }

  /**
   * Waits until the stage heads, as the node's projection keeps them in its database, satisfy
   * {@code condition}: the node has caught up with what it was given, and a limit measured now
   * does not share the machine with it.
   */
  static void awaitHeads(ZkChainNode node, Predicate<StageHeads.Heads> condition) {
    var ds = Database.get(node.system()).dataSource();
    await(() -> condition.test(StageHeads.read(ds)), () -> progress(StageHeads.read(ds)),
        () -> "the stage heads did not catch up: " + StageHeads.read(ds));
  }

  /** Waits until batch {@code n} is Trusted (or later) on the node; returns when its TrustedRecorded was decided. */
  static Instant awaitTrusted(ZkChainNode node, long n) {
    var ds = Database.get(node.system()).dataSource();
    await(() -> state(node.system(), n).stage() != BatchEntity.Stage.NONE, () -> progress(StageHeads.read(ds)),
        () -> "batch " + n + " did not become Trusted on the node: " + StageHeads.read(ds));
    return trustedAt(node.system(), n);
  }

  /** The time of batch {@code n}'s TrustedRecorded event: taken when the entity decided, before its journal write. */
  static Instant trustedAt(ActorSystem<?> system, long n) {
    BatchEntity.State s = state(system, n);
    return s.history().stream().filter(t -> t.event().equals("trusted-recorded")).findFirst()
        .orElseThrow(() -> new IllegalStateException("batch " + n + " was never Trusted: " + s.history()))
        .at();
  }

  static BatchEntity.State state(ActorSystem<?> system, long n) {
    return BatchEntity.ref(system, n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT).toCompletableFuture().join();
  }

  private static long progress(StageHeads.Heads heads) {
    return heads.trusted() + heads.virtual() + heads.consolidated();
  }

  /** Polls {@code condition} every 10 ms; fails when {@code progress} (read every second) stood still for {@link #STALL}. */
  private static void await(BooleanSupplier condition, LongSupplier progress, Supplier<String> failure) {
    long last = progress.getAsLong();
    long lastRead = System.nanoTime();
    long stalledAt = lastRead + STALL.toNanos();
    while (!condition.getAsBoolean()) {
      long now = System.nanoTime();
      if (now - lastRead > 1_000_000_000L) {
        long p = progress.getAsLong();
        if (p != last) stalledAt = now + STALL.toNanos();
        last = p;
        lastRead = now;
      }
      if (now > stalledAt) throw new IllegalStateException(failure.get() + " (no progress for " + STALL + ")");
      sleep(Duration.ofMillis(10));
    }
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    while (!running.isEmpty()) {
      try {
        running.pop().close();
      } catch (Exception e) {
        System.err.println("could not stop a benchmark component: " + e);
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("zkchain-bench");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
