package zkchain.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.sql.DataSource;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import zkchain.batch.BatchEntity;
import zkchain.batch.JournalledBatch;
import zkchain.batch.StageHeads;
import zkchain.derive.L1Block;
import zkchain.derive.L1Position;
import zkchain.derive.L1View;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.TrieNodes;
import zkchain.infra.Database;
import zkchain.l1.L1Deployment;
import zkchain.l1.ZkChainRollup;
import zkchain.derive.L1PositionStore;
import zkchain.protocol.Hash32;

/**
 * {@code zkchain snapshot export --to FILE} and {@code snapshot import --from FILE}: a node's state
 * at its latest Consolidated batch N in one zip file, so a new node starts there instead of
 * executing every batch from the genesis. It holds a manifest, the trie nodes the root of N
 * reaches, the journal rows of batches 1..N (their events hold the transactions /batches/{n}
 * serves) with their snapshots, the L1 position at the block that sequenced N, and the feed log
 * up to N. Import checks that the nodes hash to a trie whose root is the manifest's and that L1
 * verified that root, then writes everything into an empty database; the node started on it
 * follows L1 and the feed from there. Both on a stopped node only (the database's live lock).
 */
public final class Snapshot {
  public static final int OK = 0;
  public static final int REFUSED = 1;
  public static final int IN_USE = Replay.IN_USE;
  static final ObjectMapper JSON = new ObjectMapper();

  /** What the file says about itself; checked on import before anything is written. */
  public record Manifest(int version, long chainId, String rollup, long batchNumber, String stateRoot,
                         String accInputHash, long l1Block, String l1BlockHash, long feedHead, long trieNodes,
                         long journalRows) {}

  private Snapshot() {}

  /** The command: {@code zkchain.snapshot.command} export or import, {@code zkchain.snapshot.file}. */
  public static int run(Config config, PrintStream out, PrintStream err) {
    String command = config.getString("zkchain.snapshot.command");
    Path file = Path.of(config.getString("zkchain.snapshot.file"));
    try (Database.LiveLock lock = Database.liveLock(config, true)) {
      Database.applySchema(Database.akkaConfig(config).withFallback(config));
      try (var ds = pool(config)) {
        if (command.equals("export")) {
          Manifest m = export(config, ds, file);
          out.printf("snapshot of batch %d (state root %s, %d trie nodes, %d journal rows) written to %s, %d bytes%n",
              m.batchNumber(), m.stateRoot(), m.trieNodes(), m.journalRows(), file, Files.size(file));
        } else {
          Manifest m = importInto(config, ds, file);
          out.printf("snapshot of batch %d imported (state root %s verified on L1, %d trie nodes, %d journal rows); "
              + "start the node to follow L1 and the feed from L1 block %d%n", m.batchNumber(), m.stateRoot(),
              m.trieNodes(), m.journalRows(), m.l1Block());
        }
        return OK;
      }
    } catch (Database.DatabaseInUse e) {
      err.println("zkchain snapshot: refused: " + e.getMessage());
      return IN_USE;
    } catch (Refused e) {
      err.println("zkchain snapshot " + command + ": refused: " + e.getMessage());
      return REFUSED;
    } catch (IOException e) {
      err.println("zkchain snapshot " + command + ": " + file + ": " + e.getMessage());
      return REFUSED;
    }
  }

  /** A snapshot that cannot be written or imported, and why. */
  public static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // export

  public static Manifest export(Config config, DataSource ds, Path file) throws IOException {
    Database.Kind kind = Database.Settings.from(config).kind();
    long n = StageHeads.read(ds).consolidated();
    if (n == 0) throw new Refused("the node has no Consolidated batch yet: nothing L1 verified to start from");
    JournalledBatch head = journalled(ds, config, n);
    if (head.verifiedRoot() == null) {
      throw new Refused("batch " + n + ", the Consolidated head, carries no root verified on L1");
    }
    Genesis genesis = Genesis.load(Path.of(config.getString("zkchain.genesis-file")));
    String rollup = rollupAddress(ds);
    // The L1 position: right after the block that sequenced N, the last batch of its call; L1's
    // events after it (the verification of N among them) are read again, and taken again harmlessly.
    BatchEntity.L1Ref sequencedBy = head.state().current().virtualL1();
    long after = laterBatchSequencedBy(ds, config, n, sequencedBy.blockNumber());
    if (after > 0) {
      throw new Refused("batch " + after + " was sequenced in L1 block " + sequencedBy.blockNumber() + " with batch "
          + n + ": a snapshot starts after a whole block; export again once a later batch is Consolidated");
    }
    long lastVerified = lastVerifiedAt(ds, config, rollup, n, sequencedBy.blockNumber());
    String sequencer = new L1PositionStore(ds, kind).load(rollup)
        .map(p -> p.checkpoints().lastEntry().getValue().trustedSequencer()).orElseThrow();
    L1Position position = L1Position.at(new L1Block(sequencedBy.blockNumber(), sequencedBy.blockHash()),
        new L1View(n, head.stateRoot().hex(), head.accInputHash().hex(), lastVerified, sequencer));

    JdbcNodeStore store = new JdbcNodeStore(ds);
    try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
      long[] nodes = {0};
      zip.putNextEntry(new ZipEntry("trie.bin"));
      DataOutputStream trie = new DataOutputStream(zip);
      TrieNodes.walk(store, head.stateRoot(), new HashSet<>(), (hash, node) -> {
        try {
          trie.writeInt(node.length);
          trie.write(node);
          nodes[0]++;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      trie.writeInt(-1);
      trie.flush();
      zip.closeEntry();

      zip.putNextEntry(new ZipEntry("journal.bin"));
      long rows = copyOut(ds, "SELECT * FROM event_journal WHERE persistence_id IN (" + batchIds(n)
          + ") ORDER BY ordering", zip);
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("event_tag.bin"));
      copyOut(ds, "SELECT t.* FROM event_tag t JOIN event_journal j ON t.event_id = j.ordering WHERE j.persistence_id IN ("
          + batchIds(n) + ")", zip);
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("snapshot.bin"));
      copyOut(ds, "SELECT * FROM snapshot WHERE persistence_id IN (" + batchIds(n) + ")", zip);
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("feed_batch.bin"));
      copyOut(ds, "SELECT * FROM feed_batch WHERE number <= " + n + " ORDER BY number", zip);
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("l2_block.bin")); // block hashes, so the new node need not compute them again
      copyOut(ds, "SELECT * FROM l2_block WHERE number <= " + n, zip);
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("l1_position.json"));
      zip.write(JSON.writeValueAsBytes(position));
      zip.closeEntry();

      long feedHead = scalar(ds, "SELECT COALESCE(MAX(number), 0) FROM feed_batch WHERE number <= " + n);
      Manifest m = new Manifest(1, genesis.chainId(), rollup, n, head.stateRoot().hex(), head.accInputHash().hex(),
          sequencedBy.blockNumber(), sequencedBy.blockHash(), feedHead, nodes[0], rows);
      zip.putNextEntry(new ZipEntry("manifest.json"));
      zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
      zip.closeEntry();
      return m;
    }
  }

  /** The contract's lastVerifiedBatch after {@code block}: from L1 where the node has it, else from the journal. */
  private static long lastVerifiedAt(DataSource ds, Config config, String rollup, long n, long block) {
    String url = config.getString("zkchain.l1.url");
    if (!url.isEmpty()) {
      Web3j web3j = Web3j.build(new HttpService(url));
      try {
        return ZkChainRollup.at(web3j, rollup).atBlock(block).lastVerifiedBatch();
      } catch (RuntimeException e) {
        // an L1 that does not answer: the journal says the same, more slowly
      } finally {
        web3j.shutdown();
      }
    }
    for (long b = n; b >= 1; b--) {
      BatchEntity.L1Ref c = journalled(ds, config, b).state().current().consolidatedL1();
      if (c != null && c.blockNumber() <= block) return b;
    }
    return 0;
  }

  /** The persistence ids of batches 1..n as an SQL list. */
  private static String batchIds(long n) {
    StringBuilder b = new StringBuilder();
    for (long i = 1; i <= n; i++) b.append(i == 1 ? "" : ",").append('\'').append(BatchEntity.persistenceId(i).id()).append('\'');
    return b.toString();
  }

  private static long laterBatchSequencedBy(DataSource ds, Config config, long n, long block) {
    JournalledBatch next = journalled(ds, config, n + 1);
    if (next == null || !next.hasData()) return 0;
    BatchEntity.L1Ref v = next.state().current().virtualL1();
    return v != null && v.blockNumber() <= block ? n + 1 : 0;
  }

  /** A batch's events read with the node's own serialization, by JDBC: no actor system. */
  private static JournalledBatch journalled(DataSource ds, Config config, long n) {
    List<BatchEntity.Event> events = new ArrayList<>();
    var serialization = serialization(config);
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT event_ser_id, "
        + "event_ser_manifest, event_payload FROM event_journal WHERE persistence_id = ? ORDER BY sequence_number")) {
      ps.setString(1, BatchEntity.persistenceId(n).id());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          events.add((BatchEntity.Event) serialization.deserialize(rs.getBytes(3), rs.getInt(1), rs.getString(2)).get());
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the journal of batch " + n + ": " + e.getMessage(), e);
    }
    return events.isEmpty() ? null : JournalledBatch.of(n, events);
  }

  private static akka.actor.typed.ActorSystem<Void> serializationSystem;

  /** An actor system for the node's serializers only, started once per process. */
  private static synchronized akka.serialization.Serialization serialization(Config config) {
    if (serializationSystem == null) {
      serializationSystem = akka.actor.typed.ActorSystem.create(akka.actor.typed.javadsl.Behaviors.empty(),
          "zkchain-snapshot", com.typesafe.config.ConfigFactory.parseMap(Map.of("akka.actor.provider", "local",
              "akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off")).withFallback(config));
    }
    return akka.serialization.SerializationExtension.get(serializationSystem.classicSystem());
  }

  private static String rollupAddress(DataSource ds) {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT rollup FROM l1_position")) {
      if (!rs.next()) throw new Refused("the node has no L1 position: it never synced from L1");
      String rollup = rs.getString(1);
      if (rs.next()) throw new Refused("the database holds the L1 positions of several rollups");
      return rollup;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the L1 position: " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // import

  public static Manifest importInto(Config config, DataSource ds, Path file) throws IOException {
    Manifest m = null;
    Map<Hash32, byte[]> nodes = new HashMap<>();
    Map<String, byte[]> entries = new HashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        if (e.getName().equals("trie.bin")) {
          DataInputStream in = new DataInputStream(zip);
          for (int len; (len = in.readInt()) >= 0; ) {
            byte[] node = in.readNBytes(len);
            if (node.length != len) throw new Refused("trie.bin ends inside a node");
            nodes.put(Hash32.keccak(node), node); // each node by the hash of its bytes, as stored
          }
        } else {
          entries.put(e.getName(), zip.readAllBytes());
        }
      }
    }
    if (!entries.containsKey("manifest.json")) throw new Refused(file + " has no manifest.json: not a zk-chain snapshot");
    m = JSON.readValue(entries.get("manifest.json"), Manifest.class);
    if (m.version() != 1) throw new Refused("snapshot version " + m.version() + " is not known to this node (1)");
    checkChain(config, m);
    checkTrie(m, nodes);
    checkL1(config, m);
    JdbcNodeStore store = new JdbcNodeStore(ds); // creates its table where there is none yet
    checkEmpty(ds);

    store.putAll(nodes);
    Map<Long, Long> orderings = copyIn(ds, "event_journal", "ordering", entries.get("journal.bin"), null);
    copyIn(ds, "event_tag", null, entries.get("event_tag.bin"), Map.of("event_id", orderings));
    copyIn(ds, "snapshot", null, entries.get("snapshot.bin"), null);
    copyIn(ds, "feed_batch", null, entries.get("feed_batch.bin"), null);
    copyIn(ds, "l2_block", null, entries.get("l2_block.bin"), null);
    L1Position position = JSON.readValue(entries.get("l1_position.json"), L1Position.class);
    new L1PositionStore(ds, Database.Settings.from(config).kind()).save(m.rollup(), position);
    return m;
  }

  private static void checkChain(Config config, Manifest m) {
    Genesis genesis = Genesis.load(Path.of(config.getString("zkchain.genesis-file")));
    if (genesis.chainId() != m.chainId()) {
      throw new Refused("the snapshot is of chain " + m.chainId() + ", this node's genesis of chain " + genesis.chainId());
    }
    L1Deployment d = deployment(config);
    if (!d.rollup().equalsIgnoreCase(m.rollup())) {
      throw new Refused("the snapshot is of rollup " + m.rollup() + ", this node's of " + d.rollup());
    }
  }

  /** Every node hashes to the key it is found by, and the nodes are exactly the trie of the manifest's root. */
  static void checkTrie(Manifest m, Map<Hash32, byte[]> nodes) {
    Hash32 root = Hash32.of(m.stateRoot());
    InMemoryNodeStore store = new InMemoryNodeStore();
    store.putAll(nodes);
    Set<Hash32> reached = new HashSet<>();
    try {
      TrieNodes.walk(store, root, reached, (h, n) -> {});
    } catch (TrieNodes.MissingNode e) {
      throw new Refused("its trie does not hash to the manifest's state root " + root.hex() + ": node " + e.hash
          + " is missing or altered");
    } catch (RuntimeException e) {
      throw new Refused("its trie does not decode: " + e.getMessage());
    }
    if (reached.size() != nodes.size() || nodes.size() != m.trieNodes()) {
      throw new Refused("its trie holds " + nodes.size() + " nodes, of which " + reached.size()
          + " are reachable from the state root; the manifest says " + m.trieNodes());
    }
  }

  private static void checkL1(Config config, Manifest m) {
    String url = config.getString("zkchain.l1.url");
    if (url.isEmpty()) throw new Refused("import needs --l1 URL: the state root is checked against the one L1 verified");
    Web3j web3j = Web3j.build(new HttpService(url));
    try {
      String onL1 = ZkChainRollup.at(web3j, m.rollup()).batchNumToStateRoot(m.batchNumber());
      if (!Hash32.of(onL1).equals(Hash32.of(m.stateRoot()))) {
        throw new Refused("L1 verified state root " + onL1 + " for batch " + m.batchNumber() + ", not the snapshot's "
            + m.stateRoot());
      }
    } finally {
      web3j.shutdown();
    }
  }

  private static void checkEmpty(DataSource ds) {
    for (String table : List.of("event_journal", JdbcNodeStore.DEFAULT_TABLE, "l1_position", "feed_batch")) {
      if (scalar(ds, "SELECT COUNT(*) FROM " + table) > 0) {
        throw new Refused("the database is not empty (" + table + " has rows): a snapshot is imported into an empty "
            + "database only");
      }
    }
  }

  private static L1Deployment deployment(Config config) {
    String file = config.getString("zkchain.l1.rollup-file");
    if (file.isEmpty()) throw new Refused("import needs --rollup FILE");
    try {
      return L1Deployment.read(Path.of(file));
    } catch (IOException e) {
      throw new Refused("cannot read the deployment file " + file + ": " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // rows as a table has them, in a form both databases read back

  private static final int NULL = 0, LONG = 1, BOOL = 2, BYTES = 3, TEXT = 4, INT = 5;

  /** Writes every row of the query: the column names, then each row's values, typed. */
  static long copyOut(DataSource ds, String sql, OutputStream os) throws IOException {
    DataOutputStream out = new DataOutputStream(os);
    long rows = 0;
    try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      int cols = md.getColumnCount();
      out.writeInt(cols);
      for (int i = 1; i <= cols; i++) out.writeUTF(md.getColumnName(i).toLowerCase());
      while (rs.next()) {
        out.writeBoolean(true);
        for (int i = 1; i <= cols; i++) {
          switch (md.getColumnType(i)) {
            case Types.BIGINT -> writeOr(out, rs.getLong(i), rs.wasNull(), LONG);
            case Types.INTEGER, Types.SMALLINT -> writeOr(out, rs.getInt(i), rs.wasNull(), INT);
            case Types.BOOLEAN, Types.BIT -> {
              boolean v = rs.getBoolean(i);
              if (rs.wasNull()) out.writeByte(NULL);
              else {
                out.writeByte(BOOL);
                out.writeBoolean(v);
              }
            }
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> {
              byte[] v = rs.getBytes(i);
              if (v == null) out.writeByte(NULL);
              else {
                out.writeByte(BYTES);
                out.writeInt(v.length);
                out.write(v);
              }
            }
            default -> {
              String v = rs.getString(i);
              if (v == null) out.writeByte(NULL);
              else {
                out.writeByte(TEXT);
                byte[] b = v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.writeInt(b.length);
                out.write(b);
              }
            }
          }
        }
        rows++;
      }
      out.writeBoolean(false);
      out.flush();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read rows for the snapshot (" + sql.substring(0, Math.min(60, sql.length()))
          + "...): " + e.getMessage(), e);
    }
    return rows;
  }

  private static void writeOr(DataOutputStream out, long v, boolean isNull, int type) throws IOException {
    if (isNull) {
      out.writeByte(NULL);
    } else {
      out.writeByte(type);
      out.writeLong(v);
    }
  }

  /**
   * Inserts the rows of {@link #copyOut} into {@code table}. {@code generated} names a column the
   * database numbers itself: it is left out and the map answers old value → new. {@code remap}
   * translates a column's values through such a map.
   */
  static Map<Long, Long> copyIn(DataSource ds, String table, String generated, byte[] data,
                                Map<String, Map<Long, Long>> remap) throws IOException {
    Map<Long, Long> numbering = new HashMap<>();
    if (data == null) throw new Refused("the snapshot has no rows of " + table);
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data));
    int cols = in.readInt();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < cols; i++) names.add(in.readUTF());
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < cols; i++) if (!names.get(i).equals(generated)) kept.add(i);
    String sql = "INSERT INTO " + table + " (" + String.join(", ", kept.stream().map(names::get).toList())
        + ") VALUES (" + "?, ".repeat(kept.size() - 1) + "?)";
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = generated == null ? c.prepareStatement(sql) : c.prepareStatement(sql, new String[] {generated})) {
        while (in.readBoolean()) {
          Object[] row = new Object[cols];
          for (int i = 0; i < cols; i++) row[i] = readValue(in);
          int p = 1;
          for (int i : kept) {
            Object v = row[i];
            Map<Long, Long> map = remap == null ? null : remap.get(names.get(i));
            if (map != null && v != null) v = map.get((Long) v);
            if (v instanceof byte[] b) ps.setBytes(p++, b);
            else ps.setObject(p++, v);
          }
          ps.executeUpdate();
          if (generated != null) {
            try (ResultSet keys = ps.getGeneratedKeys()) {
              keys.next();
              numbering.put((Long) row[names.indexOf(generated)], keys.getLong(1));
            }
          }
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot import the rows of " + table + ": " + e.getMessage(), e);
    }
    return numbering;
  }

  private static Object readValue(DataInputStream in) throws IOException {
    int type = in.readByte();
    return switch (type) {
      case NULL -> null;
      case LONG -> in.readLong();
      case INT -> (int) in.readLong();
      case BOOL -> in.readBoolean();
      case BYTES, TEXT -> {
        byte[] b = in.readNBytes(in.readInt());
        yield type == BYTES ? b : new String(b, java.nio.charset.StandardCharsets.UTF_8);
      }
      default -> throw new EOFException("unknown value type " + type + " in the snapshot");
    };
  }

  private static long scalar(DataSource ds, String sql) {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot run " + sql + ": " + e.getMessage(), e);
    }
  }

  static com.zaxxer.hikari.HikariDataSource pool(Config config) {
    Database.Settings s = Database.Settings.from(config);
    var hc = new com.zaxxer.hikari.HikariConfig();
    hc.setJdbcUrl(s.url());
    hc.setUsername(s.user());
    hc.setPassword(s.password());
    hc.setMaximumPoolSize(2);
    return new com.zaxxer.hikari.HikariDataSource(hc);
  }
}
