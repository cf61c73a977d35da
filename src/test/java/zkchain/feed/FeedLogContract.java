package zkchain.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zkchain.feed.FeedFixtures.await;
import static zkchain.feed.FeedFixtures.batch;
import static zkchain.feed.FeedFixtures.batches;
import static zkchain.feed.FeedFixtures.next;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.SinkQueueWithCancel;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;

/** What every {@link FeedLog} on a database does; subclasses give the database. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FeedLogContract {
  ActorTestKit testKit;

  /** A fresh database with the node's schema. */
  abstract DataSource database();

  @BeforeAll
  void startAkka() {
    testKit = FeedFixtures.testKit("");
  }

  @AfterAll
  void stopAkka() {
    testKit.shutdownTestKit();
  }

  JdbcFeedLog open(DataSource db, int pageSize) {
    return new JdbcFeedLog(db, FeedFixtures.blocking(testKit.system()), pageSize);
  }

  @Test
  void appendIsIdempotentAndRefusesAConflictOrAGap() {
    JdbcFeedLog log = open(database(), 4);
    assertEquals(0, log.head());
    log.append(batch(1));
    log.append(batch(2));
    log.append(batch(1)); // the same message again: a no-op
    assertEquals(2, log.head());
    BatchMessage other = FeedFixtures.batch(2, 9, FeedFixtures.CHAIN, FeedFixtures.SEQUENCER);
    assertThrows(IllegalStateException.class, () -> log.append(other));
    assertThrows(IllegalArgumentException.class, () -> log.append(batch(4)));
    assertThrows(IllegalArgumentException.class, () -> log.from(0));
    assertEquals(2, log.head());
    assertEquals(batches(1, 2), await(log.from(1).take(2).runWith(Sink.seq(), testKit.system())));
  }

  /** Another version of batch n, as a sequencer resends it after a trusted reorg. */
  static BatchMessage resent(long n) {
    return FeedFixtures.batch(n, 9, FeedFixtures.CHAIN, FeedFixtures.SEQUENCER);
  }

  @Test
  void anotherVersionReplacesTheStoredOneAndDropsTheBatchesAfterIt() {
    DataSource db = database();
    JdbcFeedLog log = open(db, 2);
    batches(1, 5).forEach(log::append);
    SinkQueueWithCancel<BatchMessage> pastIt = log.from(1).runWith(Sink.queue(), testKit.system());
    for (long n = 1; n <= 5; n++) assertEquals(batch(n), next(pastIt), "batch " + n);

    assertFalse(log.appendOrReplace(batch(3)), "the same message");
    BatchMessage three = batch(3);
    byte[] otherSignature = three.signature();
    otherSignature[0] ^= 1;
    assertFalse(log.appendOrReplace(new BatchMessage(three.chainId(), three.batch(), three.stateRoot(),
        three.accInputHash(), otherSignature)), "the same version, signed differently: the stored one stays");
    assertEquals(5, log.head());

    assertTrue(log.appendOrReplace(resent(3)));
    assertEquals(3, log.head(), "4 and 5 followed the version replaced");
    assertThrows(IllegalArgumentException.class, () -> log.appendOrReplace(resent(5)), "no gap either");
    assertFalse(log.appendOrReplace(resent(4)));
    assertEquals(List.of(batch(1), batch(2), resent(3), resent(4)),
        await(log.from(1).take(4).runWith(Sink.seq(), testKit.system())));
    // A reader already past batch 3 goes on with what is appended next.
    log.appendOrReplace(resent(5));
    log.appendOrReplace(resent(6));
    assertEquals(resent(6), next(pastIt));
    pastIt.cancel();
    assertEquals(List.of(resent(3), resent(4), resent(5), resent(6)),
        await(open(db, 2).from(3).take(4).runWith(Sink.seq(), testKit.system())), "as stored");
  }

  @Test
  void replaysThenDeliversLiveWithoutGapOrDuplicate() {
    JdbcFeedLog log = open(database(), 3);
    batches(1, 10).forEach(log::append);
    SinkQueueWithCancel<BatchMessage> reader = log.from(4).runWith(Sink.queue(), testKit.system());
    // Appends race the replay: pages of 3 from the table while 11..40 arrive.
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> batches(11, 40).forEach(log::append));
    for (long n = 4; n <= 40; n++) assertEquals(batch(n), next(reader), "batch " + n);
    await(writer);
    // At the head, readers wait for the next append and get exactly it.
    SinkQueueWithCancel<BatchMessage> live = log.from(41).runWith(Sink.queue(), testKit.system());
    CompletableFuture<Optional<BatchMessage>> pending = live.pull().toCompletableFuture();
    log.append(batch(41));
    log.append(batch(42));
    assertEquals(batch(41), await(pending).orElseThrow());
    assertEquals(batch(42), next(live));
    assertEquals(batch(41), next(reader));
    assertEquals(batch(42), next(reader));
    reader.cancel();
    live.cancel();
  }

  /** A journal beside the log holding the transactions of what it is given, as a relay's node does. */
  static final class Journal implements JdbcFeedLog.Transactions {
    final Map<Hash32, byte[]> held = new ConcurrentHashMap<>();

    Journal holding(List<BatchMessage> messages) {
      messages.forEach(m -> held.put(m.batch().transactionsHash(), m.batch().transactions()));
      return this;
    }

    @Override
    public CompletionStage<Boolean> holds(long number, Hash32 keccak) {
      return CompletableFuture.completedFuture(held.containsKey(keccak));
    }

    @Override
    public CompletionStage<Optional<byte[]>> find(long number, Hash32 keccak) {
      return CompletableFuture.completedFuture(Optional.ofNullable(held.get(keccak)));
    }
  }

  /** Per row from 1, whether it keeps the whole message. */
  static List<Boolean> wholeRows(DataSource db) throws Exception {
    List<Boolean> out = new ArrayList<>();
    try (Connection c = db.getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT message, transactions_hash FROM feed_batch ORDER BY number")) {
      while (rs.next()) {
        boolean whole = rs.getString(1) != null;
        assertEquals(whole, rs.getBytes(2) == null, "a row keeps the whole message or its fields, not both");
        out.add(whole);
      }
    }
    return out;
  }

  static List<String> json(List<BatchMessage> messages) {
    return messages.stream().map(BatchMessage::toJson).toList();
  }

  @Test
  void besideAJournalARowKeepsNoTransactionsAndTheLogServesTheSameJson() throws Exception {
    DataSource db = database();
    Journal journal = new Journal().holding(batches(1, 3)); // not 4: a version the node's journal lacks
    JdbcFeedLog log = new JdbcFeedLog(db, FeedFixtures.blocking(testKit.system()), 2, journal, java.time.Duration.ofMillis(200));
    batches(1, 4).forEach(log::append);
    log.append(batch(2)); // the same message again: a no-op
    assertEquals(List.of(false, false, false, true), wholeRows(db));
    assertEquals(json(batches(1, 4)), json(await(log.from(1).take(4).runWith(Sink.seq(), testKit.system()))),
        "the JSON the log took, byte for byte");

    journal.holding(List.of(resent(3)));
    assertTrue(log.appendOrReplace(resent(3)));
    assertEquals(List.of(false, false, false), wholeRows(db));
    JdbcFeedLog reopened = new JdbcFeedLog(db, FeedFixtures.blocking(testKit.system()), 2, journal, java.time.Duration.ofMillis(200));
    assertEquals(json(List.of(batch(1), batch(2), resent(3))),
        json(await(reopened.from(1).take(3).runWith(Sink.seq(), testKit.system()))));

    journal.held.clear(); // a journal that lost them: the read fails and says so, it serves nothing else
    var lost = assertThrows(AssertionError.class,
        () -> await(log.from(2).take(1).runWith(Sink.seq(), testKit.system())));
    assertTrue(lost.getMessage().contains("batch 2 of the feed log has no transactions with keccak"), lost.getMessage());
  }

  /** Issue 9: every member serves /feed from the one feed log that the member running the ingest writes. */
  @Test
  void aReaderSeesWhatAnotherMemberAppendsAndTheNextWriterReadsTheHeadFirst() {
    DataSource db = database();
    JdbcFeedLog writer = open(db, 2);
    JdbcFeedLog member = open(db, 2); // another member's log on the same database: nothing wakes it
    writer.append(batch(1));
    SinkQueueWithCancel<BatchMessage> reader = member.from(1).runWith(Sink.queue(), testKit.system());
    long start = System.nanoTime();
    assertEquals(batch(1), next(reader));
    batches(2, 5).forEach(writer::append);
    for (long n = 2; n <= 5; n++) assertEquals(batch(n), next(reader), "batch " + n);
    long perBatchMillis = (System.nanoTime() - start) / 5_000_000;
    assertTrue(perBatchMillis < 2_000, "a poll every 200 ms, not " + perBatchMillis + " ms a batch");

    // the ingest moves to the other member: its log reads the head before it appends
    assertEquals(5, member.refreshHead());
    member.append(batch(6));
    assertEquals(batch(6), next(reader));
    assertEquals(batch(6), await(writer.from(6).take(1).runWith(Sink.head(), testKit.system())));
    reader.cancel();
  }

  @Test
  void aReopenedLogKeepsItsHeadAndMessages() {
    DataSource db = database();
    JdbcFeedLog first = open(db, 2);
    batches(1, 5).forEach(first::append);
    JdbcFeedLog reopened = open(db, 2);
    assertEquals(5, reopened.head());
    List<BatchMessage> replayed = await(reopened.from(2).take(4).runWith(Sink.seq(), testKit.system()));
    assertEquals(batches(2, 5), replayed);
    reopened.append(batch(6));
    assertEquals(6, reopened.head());
  }
}
