package zkchain.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.Offset;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;
import zkchain.batch.BatchEntity.BatchData;
import zkchain.batch.BatchEntity.Event;
import zkchain.batch.BatchEntity.L1Ref;
import zkchain.batch.BatchEntity.Source;
import zkchain.batch.BatchEntity.State;
import zkchain.batch.BatchEntity.TrustedRecorded;
import zkchain.batch.BatchEntity.Virtualized;
import zkchain.protocol.Hash32;

/**
 * How the batch entity's events and snapshots look in the journal since issue 8, through the
 * real serializer: transactions as a CBOR byte string, stored once per batch, never in the state;
 * and a journal of version 1 (hex text) read through {@link TransactionsAsBytes}.
 */
class JournalFormatTest {
  static final String COINBASE = "0x" + "c0".repeat(20);
  static final String ROOT = "0x" + "aa".repeat(32);
  static final String ACC = "0x" + "0a".repeat(32);
  static final L1Ref SEQ = new L1Ref(100, "0x" + "11".repeat(32), "0x" + "12".repeat(32), 0);
  /** About a batch of 100 transfers, and as incompressible as their signatures. */
  static final byte[] TRANSACTIONS = random(10_000, 1);
  static final BatchData FEED = new BatchData(TRANSACTIONS, 1_767_225_600L, COINBASE, Source.FEED);
  static final BatchData L1_SAME = new BatchData(TRANSACTIONS, 1_767_225_600L, COINBASE, Source.L1);
  static final BatchData L1_OTHER = new BatchData(random(9_000, 2), 1_767_225_600L, COINBASE, Source.L1);

  static ActorTestKit testKit;
  static Serialization serialization;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(ConfigFactory.parseString("akka.actor.provider = local")
        .withFallback(ConfigFactory.load()));
    serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** The payload the journal stores, and the manifest it stores beside it. */
  record Stored(byte[] payload, int serializerId, String manifest) {
    Object read() {
      return serialization.deserialize(payload, serializerId, manifest).get();
    }
  }

  static Stored store(Object o) {
    var serializer = serialization.findSerializerFor(o);
    return new Stored(serialization.serialize(o).get(), serializer.identifier(), Serializers.manifestFor(serializer, o));
  }

  @Test
  void anEventCarriesItsTransactionsAsBytes() {
    var event = new TrustedRecorded(1, FEED, ROOT, ACC, Instant.parse("2026-12-01T00:00:00Z"));
    Stored stored = store(event);
    assertEquals("zkchain.batch.BatchEntity$TrustedRecorded#2", stored.manifest(), "version 2: bytes");
    assertTrue(stored.payload().length > TRANSACTIONS.length, "the transactions are in it");
    assertTrue(stored.payload().length < TRANSACTIONS.length + 400,
        "as a byte string, not hex text: " + stored.payload().length + " bytes for " + TRANSACTIONS.length);
    TrustedRecorded read = (TrustedRecorded) stored.read();
    assertEquals(event, read);
    assertArrayEquals(TRANSACTIONS, read.data().transactions());
  }

  static TrustedRecorded trustedRecorded(long number) {
    return new TrustedRecorded(number, FEED, ROOT, ACC, Instant.parse("2026-12-01T00:00:00Z"));
  }

  /** L1 sequenced other transactions: the L1 version whole, the replaced one named by keccak. */
  static Virtualized reorg(long number) {
    return new Virtualized(number, L1_OTHER, ROOT, ACC, SEQ, List.of("transactions"), FEED.withoutTransactions(),
        Instant.parse("2026-12-01T00:00:01Z"));
  }

  @Test
  void aVirtualizedThatNamesItsTransactionsStoresNoneOfThem() {
    var event = new Virtualized(2, L1_SAME.withoutTransactions(), ROOT, ACC, SEQ, List.of(), null,
        Instant.parse("2026-12-01T00:00:01Z"));
    Stored stored = store(event);
    assertTrue(stored.payload().length < 600, stored.payload().length + " bytes");
    Virtualized read = (Virtualized) stored.read();
    assertEquals(L1_SAME, read.data());
    assertNull(read.data().transactions());
  }

  @Test
  void theJournalOfABatchGivesBackEveryVersionOfItsTransactions() {
    String pid = BatchEntity.persistenceId(3).id();
    List<EventEnvelope> events = List.of(
        new EventEnvelope(Offset.sequence(1), pid, 1, store(trustedRecorded(3)).read(), 0L),
        new EventEnvelope(Offset.sequence(2), pid, 2, store(reorg(3)).read(), 0L));
    var held = BatchJournal.transactionsIn(events);
    assertEquals(2, held.size());
    assertArrayEquals(TRANSACTIONS, held.get(FEED.transactionsHash()));
    assertArrayEquals(L1_OTHER.transactions(), held.get(L1_OTHER.transactionsHash()));
  }

  @Test
  void theStateKeepsNoTransactionsAndItsSnapshotIsSmall() {
    State state = State.empty(4).trustedRecorded(trustedRecorded(4)).virtualized(reorg(4));
    assertTrue(dataIn(state).stream().allMatch(d -> d.transactions() == null), dataIn(state).toString());
    assertEquals(FEED.transactionsHash(), state.history().get(0).data().transactionsHash());
    assertEquals(FEED.size(), state.history().get(0).data().size());
    Stored snapshot = store(state);
    assertEquals("zkchain.batch.BatchEntity$State#2", snapshot.manifest());
    assertTrue(snapshot.payload().length < TRANSACTIONS.length / 4,
        snapshot.payload().length + " bytes, for transactions of " + (TRANSACTIONS.length + L1_OTHER.size()));
    assertEquals(state, snapshot.read());
  }

  @Test
  void aSnapshotOfVersionOneReadsAsAStateWithoutTransactions() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode expected = json.readTree(JournalCompatibilityTest.FIXTURE.resolve("expected.json").toFile());
    int snapshots = 0;
    for (String line : Files.readAllLines(JournalCompatibilityTest.FIXTURE.resolve("snapshot.jsonl"))) {
      JsonNode row = json.readTree(line);
      assertEquals("zkchain.batch.BatchEntity$State", row.get("snapshot_ser_manifest").asText(), "version 1");
      State state = (State) new Stored(Base64.getDecoder().decode(row.get("snapshot_payload").asText()),
          row.get("snapshot_ser_id").asInt(), row.get("snapshot_ser_manifest").asText()).read();
      assertFalse(dataIn(state).isEmpty());
      assertTrue(dataIn(state).stream().allMatch(d -> d.transactions() == null), dataIn(state).toString());
      // the first transition's data as version 1 served it: same keccak, size and fields
      JsonNode served = expected.get(Long.toString(state.number())).get("batch").get("history").get(0).get("data");
      BatchData first = state.history().get(0).data();
      byte[] transactions = Numeric.hexStringToByteArray(served.get("transactions").asText());
      assertEquals(new BatchData(transactions, served.get("timestamp").asLong(), served.get("coinbase").asText(),
          first.source()), first);
      assertEquals(Hash32.keccak(transactions), first.transactionsHash());
      assertEquals(state, store(state).read(), "written again as version 2");
      snapshots++;
    }
    assertEquals(4, snapshots);
  }

  @Test
  void eventsOfVersionOneReadWithTheirTransactionsAsBytes() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<BatchData> carried = new ArrayList<>();
    for (String line : Files.readAllLines(JournalCompatibilityTest.FIXTURE.resolve("event_journal.jsonl"))) {
      JsonNode row = json.readTree(line);
      Event event = (Event) new Stored(Base64.getDecoder().decode(row.get("event_payload").asText()),
          row.get("event_ser_id").asInt(), row.get("event_ser_manifest").asText()).read();
      carried.addAll(event.carriedData());
      if (row.get("persistence_id").asText().equals("Batch|1") && row.get("sequence_number").asLong() == 1) {
        assertArrayEquals(Numeric.hexStringToByteArray("0xc3820102"), ((TrustedRecorded) event).data().transactions());
      }
    }
    assertEquals(11, carried.size(), "data of TrustedRecorded, Virtualized (and its trusted version), TrustedDiscarded");
    assertTrue(carried.stream().allMatch(d -> d.transactions() != null), "version 1 held them everywhere");
  }

  /** Every batch data a state names. */
  static List<BatchData> dataIn(State s) {
    List<BatchData> out = new ArrayList<>();
    var cores = new ArrayList<BatchEntity.Core>();
    cores.add(s.current());
    s.l1Applied().forEach(a -> cores.add(a.before()));
    for (var c : cores) {
      if (c.data() != null) out.add(c.data());
      if (c.trustedReorg() != null) {
        out.add(c.trustedReorg().trusted());
        out.add(c.trustedReorg().l1());
      }
    }
    s.history().forEach(t -> {
      if (t.data() != null) out.add(t.data());
    });
    return out;
  }
}
