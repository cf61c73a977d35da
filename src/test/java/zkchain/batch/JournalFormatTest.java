package zkchain.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import akka.pattern.StatusReply;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.Offset;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;
import zkchain.batch.BatchEntity.BatchData;
import zkchain.batch.BatchEntity.Command;
import zkchain.batch.BatchEntity.Event;
import zkchain.batch.BatchEntity.L1Ref;
import zkchain.batch.BatchEntity.RecordTrusted;
import zkchain.batch.BatchEntity.Source;
import zkchain.batch.BatchEntity.State;
import zkchain.batch.BatchEntity.TrustedRecorded;
import zkchain.batch.BatchEntity.Virtualize;
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
  EventSourcedBehaviorTestKit<Command, Event, State> kit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
        .withFallback(ConfigFactory.parseString("akka.actor.provider = local"))
        .withFallback(ConfigFactory.load()));
    serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void clear() {
    if (kit != null) kit.clear();
  }

  EventSourcedBehaviorTestKit<Command, Event, State> kit(long number) {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(),
        BatchEntity.create(number, BatchEntity.tagFor(number, 4), 100, Clock.systemUTC()));
    return kit;
  }

  CommandResultWithReply<Command, Event, State, StatusReply<State>> trusted(BatchData data) {
    return kit.runCommand(r -> new RecordTrusted(data, ROOT, ACC, r));
  }

  CommandResultWithReply<Command, Event, State, StatusReply<State>> virtualize(BatchData data) {
    return kit.runCommand(r -> new Virtualize(data, ROOT, ACC, SEQ, r));
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

  @Test
  void aVirtualizedWithTheTrustedDataDoesNotRepeatThem() {
    kit(2);
    trusted(FEED);
    var result = virtualize(L1_SAME);
    Virtualized event = result.eventOfType(Virtualized.class);
    assertNull(event.data().transactions(), "the TrustedRecorded event holds them");
    assertEquals(L1_SAME, event.data(), "only the source changed, to l1");
    assertTrue(event.differingFields().isEmpty());
    assertTrue(store(event).payload().length < 600, store(event).payload().length + " bytes");
    assertEquals(result.state(), kit.restart().state());
  }

  @Test
  void aTrustedReorgCarriesTheL1VersionAndNamesTheTrustedOne() {
    kit(3);
    trusted(FEED);
    Virtualized event = virtualize(L1_OTHER).eventOfType(Virtualized.class);
    assertEquals(List.of("transactions"), event.differingFields());
    assertArrayEquals(L1_OTHER.transactions(), event.data().transactions(), "the L1 version, whole");
    assertEquals(FEED, event.trustedData());
    assertNull(event.trustedData().transactions(), "the version replaced is in the TrustedRecorded event");
    var held = BatchJournal.transactionsIn(envelopes(kit, 3));
    assertArrayEquals(TRANSACTIONS, held.get(FEED.transactionsHash()), "both versions read back");
    assertArrayEquals(L1_OTHER.transactions(), held.get(L1_OTHER.transactionsHash()));
  }

  @Test
  void theStateKeepsNoTransactionsAndItsSnapshotIsSmall() {
    kit(4);
    trusted(FEED);
    State state = virtualize(L1_OTHER).state();
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

  /** The events the kit's journal holds for a batch, as the read journal hands them out. */
  static List<EventEnvelope> envelopes(EventSourcedBehaviorTestKit<Command, Event, State> kit, long number) {
    String pid = BatchEntity.persistenceId(number).id();
    List<EventEnvelope> out = new ArrayList<>();
    for (Object e : kit.persistenceTestKit().persistedInStorage(pid)) {
      long seq = out.size() + 1;
      out.add(new EventEnvelope(Offset.sequence(seq), pid, seq, e, 0L));
    }
    return out;
  }
}
