package zkchain.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.infra.Database;
import zkchain.node.ZkChainNode;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * A journal written by an earlier version of the node still replays: src/test/resources/journal-v1
 * (JournalFixtureWriter, before issue 8 changed the events) is loaded into a fresh H2 and a fresh
 * PostgreSQL database, and a node started on it serves every batch as that version did: the same
 * state, history and roots, and the same events in the same order.
 */
class JournalCompatibilityTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path FIXTURE = Path.of("src/test/resources/journal-v1");
  static final List<String> BLOBS = List.of("event_payload", "meta_payload", "snapshot_payload");

  @TempDir Path dir;

  @Test
  void aJournalOfVersionOneReplaysOnH2() throws Exception {
    replays(Map.of());
  }

  @Test
  void aJournalOfVersionOneReplaysOnPostgres() throws Exception {
    try (var pg = TestDatabases.freshPgSchema()) {
      replays(pg.zkchainDbConfig());
    }
  }

  void replays(Map<String, Object> db) throws Exception {
    var config = TestNodes.config(dir, db);
    createVersionOneReadSide(Database.Settings.from(config));
    Database.applySchema(Database.akkaConfig(config).withFallback(config));
    load(Database.Settings.from(config));
    JsonNode expected = JSON.readTree(FIXTURE.resolve("expected.json").toFile());
    try (ZkChainNode node = ZkChainNode.start(config)) {
      for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
        String n = it.next();
        JsonNode batch = JSON.readTree(TestNodes.get(node.httpUrl() + "/batches/" + n).body());
        assertEquals(expected.get(n).get("batch"), batch, "batch " + n + " as version one served it");
        JsonNode events = JSON.readTree(TestNodes.get(node.httpUrl() + "/batches/" + n + "/events").body());
        assertEquals(typesAndNumbers(expected.get(n).get("events")), typesAndNumbers(events), "events of batch " + n);
      }
      // the read side of version one got the web page's columns, and the projection fills them from the old journal
      assertTrue(TestNodes.eventually(Duration.ofSeconds(60), () -> {
        JsonNode cells = readTree(TestNodes.get(node.httpUrl() + "/batches").body());
        for (JsonNode cell : cells) {
          JsonNode batch = expected.get(cell.get("number").asText()).get("batch");
          if (!cell.get("stage").equals(batch.get("stage")) || !cell.get("stateRoot").equals(batch.get("stateRoot"))
              || (!"none".equals(batch.get("stage").asText()) && !cell.hasNonNull("trustedAt"))) {
            return false;
          }
        }
        return cells.size() == expected.size();
      }), "the strip of /batches from the old journal: " + TestNodes.get(node.httpUrl() + "/batches").body());
    }
  }

  static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The stage heads' table as version one created it, without the columns added since. */
  static void createVersionOneReadSide(Database.Settings db) throws Exception {
    String q = db.kind() == Database.Kind.H2 ? "\"" : "";
    try (Connection c = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password());
         Statement st = c.createStatement()) {
      st.execute("CREATE TABLE " + q + "batch_stage" + q + " (" + q + "number" + q + " BIGINT PRIMARY KEY, "
          + q + "stage" + q + " SMALLINT NOT NULL, " + q + "state_root_mismatch" + q + " BOOLEAN NOT NULL)");
    }
  }

  static List<String> typesAndNumbers(JsonNode events) {
    List<String> out = new ArrayList<>();
    events.forEach(e -> out.add(e.get("sequenceNumber").asText() + ":" + e.get("type").asText()));
    return out;
  }

  /** Inserts the fixture's rows as they were written, then moves the journal's ordering past them. */
  static void load(Database.Settings db) throws Exception {
    boolean h2 = db.kind() == Database.Kind.H2;
    try (Connection c = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password())) {
      long maxOrdering = 0;
      for (String table : List.of("event_journal", "event_tag", "snapshot")) {
        for (String line : Files.readAllLines(FIXTURE.resolve(table + ".jsonl"), StandardCharsets.UTF_8)) {
          JsonNode row = JSON.readTree(line);
          List<String> columns = new ArrayList<>();
          row.fieldNames().forEachRemaining(columns::add);
          String q = h2 ? "\"" : "";
          String sql = "INSERT INTO " + q + table + q + " (" + String.join(", ", columns.stream().map(col -> q + col + q)
              .toList()) + ") VALUES (" + String.join(", ", columns.stream().map(col -> "?").toList()) + ")";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < columns.size(); i++) {
              JsonNode v = row.get(columns.get(i));
              if (v.isNull()) ps.setObject(i + 1, null);
              else if (BLOBS.contains(columns.get(i))) ps.setBytes(i + 1, Base64.getDecoder().decode(v.asText()));
              else if (v.isBoolean()) ps.setBoolean(i + 1, v.asBoolean());
              else if (v.isNumber()) ps.setLong(i + 1, v.asLong());
              else ps.setString(i + 1, v.asText());
            }
            ps.executeUpdate();
          }
          if (table.equals("event_journal")) maxOrdering = Math.max(maxOrdering, row.get("ordering").asLong());
        }
      }
      try (Statement st = c.createStatement()) {
        st.execute(h2 ? "ALTER TABLE \"event_journal\" ALTER COLUMN \"ordering\" RESTART WITH " + (maxOrdering + 1)
            : "SELECT setval(pg_get_serial_sequence('event_journal', 'ordering'), " + maxOrdering + ")");
      }
    }
  }
}
