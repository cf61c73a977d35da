package zkchain.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.testing.TestNodes.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.devnet.Anvil;
import zkchain.node.ZkChainNode;
import zkchain.testing.L1Workload;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * A snapshot exported from a node that synced a real anvil, imported into an empty PostgreSQL
 * database and into H2: the new nodes serve the same /batches/{n} for the Consolidated batches
 * they imported and follow L1 onward to the same heads as the original; a snapshot whose trie was
 * altered is refused.
 */
class SnapshotTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration SYNC = Duration.ofSeconds(120);

  @TempDir static Path dir;
  static Anvil anvil;
  static L1Workload l1;
  static Path rollupFile;
  static final List<ZkChainNode> running = new ArrayList<>();

  @BeforeAll
  static void startL1() throws Exception {
    anvil = L1Workload.startL1();
    l1 = L1Workload.deploy(anvil);
    rollupFile = dir.resolve("rollup.json");
    l1.deployment().write(rollupFile);
  }

  @AfterAll
  static void stopAll() {
    running.forEach(ZkChainNode::close);
    l1.close();
    anvil.close();
  }

  static Config config(String name, Map<String, Object> db) {
    Map<String, Object> o = new HashMap<>(Map.of("zkchain.l1.url", anvil.url(), "zkchain.l1.rollup-file",
        rollupFile.toString(), "zkchain.l1.poll-interval", "100ms", "zkchain.l1.retry.min-backoff", "100ms"));
    o.putAll(db);
    return TestNodes.config(dir.resolve(name), o);
  }

  static Config snapshotConfig(Config node, String command, Path file) {
    return com.typesafe.config.ConfigFactory.parseMap(Map.of("zkchain.snapshot.command", command,
        "zkchain.snapshot.file", file.toString())).withFallback(node);
  }

  static ZkChainNode start(Config config) {
    ZkChainNode node = ZkChainNode.start(config);
    running.add(node);
    return node;
  }

  static void stop(ZkChainNode node) {
    running.remove(node);
    node.close();
  }

  record Run(int code, String out, String err) {}

  static Run snapshot(Config config) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Snapshot.run(config, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    Run run = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    System.out.println(run.out() + run.err());
    return run;
  }

  static String heads(ZkChainNode node) {
    try {
      JsonNode h = JSON.readTree(get(node.httpUrl() + "/status").body()).get("heads");
      return h.get("trusted").asLong() + "/" + h.get("virtual").asLong() + "/" + h.get("consolidated").asLong();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void awaitHeads(ZkChainNode node, long virtual, long consolidated) {
    String expected = virtual + "/" + virtual + "/" + consolidated;
    assertTrue(TestNodes.eventually(SYNC, () -> heads(node).equals(expected)),
        "heads " + expected + " expected, were " + heads(node));
  }

  static Path altered(Path snapshot) throws Exception {
    Path out = snapshot.resolveSibling("altered.zip");
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(snapshot));
         ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        byte[] bytes = in.readAllBytes();
        if (e.getName().equals("trie.bin")) {
          // one byte of the last node's payload changed: the file still parses, the trie does not hash
          DataInputStream d = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
          List<byte[]> nodes = new ArrayList<>();
          for (int len; (len = d.readInt()) >= 0; ) nodes.add(d.readNBytes(len));
          byte[] last = nodes.get(nodes.size() - 1);
          last[last.length - 1] ^= 1;
          ByteArrayOutputStream b = new ByteArrayOutputStream();
          DataOutputStream w = new DataOutputStream(b);
          for (byte[] n : nodes) {
            w.writeInt(n.length);
            w.write(n);
          }
          w.writeInt(-1);
          bytes = b.toByteArray();
        }
        zip.putNextEntry(new ZipEntry(e.getName()));
        zip.write(bytes);
        zip.closeEntry();
      }
    }
    return out;
  }

  @Test
  void aSnapshotImportedIntoPostgresAndH2ServesTheSameBatchesAndFollowsL1Onward() throws Exception {
    l1.transfersPerBatch(3).sequence(5, 8);
    l1.sequenceGarbage();
    l1.verifyAll();
    long consolidated = l1.lastVerifiedBatch();
    l1.sequence(5, 2); // sequenced after the verification: not in the snapshot, read from L1 again
    Config originalConfig = config("original", Map.of());
    ZkChainNode original = start(originalConfig);
    awaitHeads(original, l1.lastBatchSequenced(), consolidated);

    Path file = dir.resolve("snapshot.zip");
    Run live = snapshot(snapshotConfig(originalConfig, "export", file));
    assertEquals(Snapshot.IN_USE, live.code(), "export refuses a running node");
    assertTrue(live.err().contains("a node is running on this database"), live.err());
    Map<Long, String> served = new HashMap<>();
    for (long n = 1; n <= consolidated; n++) served.put(n, get(original.httpUrl() + "/batches/" + n).body());
    stop(original);

    Run export = snapshot(snapshotConfig(originalConfig, "export", file));
    assertEquals(Snapshot.OK, export.code(), export.err());
    assertTrue(export.out().contains("snapshot of batch " + consolidated + " "), export.out());
    original = start(originalConfig);

    try (TestDatabases.PgSchema pg = TestDatabases.freshPgSchema()) {
      Config pgConfig = config("imported-pg", pg.zkchainDbConfig());
      Config h2Config = config("imported-h2", Map.of());
      Run refused = snapshot(snapshotConfig(config("altered", Map.of()), "import", altered(file)));
      assertEquals(Snapshot.REFUSED, refused.code());
      assertTrue(refused.err().contains("does not hash to the manifest's state root"), refused.err());

      List<ZkChainNode> imported = new ArrayList<>();
      for (Config c : List.of(pgConfig, h2Config)) {
        Run run = snapshot(snapshotConfig(c, "import", file));
        assertEquals(Snapshot.OK, run.code(), run.err());
        assertTrue(run.out().contains("verified on L1"), run.out());
        Run again = snapshot(snapshotConfig(c, "import", file));
        assertEquals(Snapshot.REFUSED, again.code(), "only into an empty database");
        imported.add(start(c));
      }
      for (ZkChainNode node : imported) {
        for (long n = 1; n <= consolidated; n++) {
          assertEquals(served.get(n), get(node.httpUrl() + "/batches/" + n).body(), "batch " + n);
        }
      }
      // everyone follows L1 onward to the same heads and roots
      l1.sequence(5, 3);
      l1.verifyAll();
      long last = l1.lastBatchSequenced();
      for (ZkChainNode node : List.of(original, imported.get(0), imported.get(1))) {
        awaitHeads(node, last, last);
        for (long n = consolidated + 1; n <= last; n++) {
          JsonNode b = JSON.readTree(get(node.httpUrl() + "/batches/" + n).body());
          assertEquals(l1.root(n).hex(), b.get("stateRoot").asText(), "batch " + n);
        }
      }
      for (ZkChainNode node : imported) stop(node);
    }
  }
}
