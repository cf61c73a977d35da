package zkchain.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zkchain.batch.BatchEntity.BatchData;
import zkchain.batch.BatchEntity.Command;
import zkchain.batch.BatchEntity.Consolidate;
import zkchain.batch.BatchEntity.Consolidated;
import zkchain.batch.BatchEntity.DiscardTrusted;
import zkchain.batch.BatchEntity.Event;
import zkchain.batch.BatchEntity.L1BlockUndone;
import zkchain.batch.BatchEntity.L1Ref;
import zkchain.batch.BatchEntity.RecordTrusted;
import zkchain.batch.BatchEntity.Source;
import zkchain.batch.BatchEntity.Stage;
import zkchain.batch.BatchEntity.State;
import zkchain.batch.BatchEntity.StateRootMismatched;
import zkchain.batch.BatchEntity.TrustedDiscarded;
import zkchain.batch.BatchEntity.TrustedRecorded;
import zkchain.batch.BatchEntity.UndoL1Block;
import zkchain.batch.BatchEntity.Virtualize;
import zkchain.batch.BatchEntity.Virtualized;

class BatchEntityTest {
  static final String ROOT_A = "0x" + "aa".repeat(32);
  static final String ROOT_B = "0x" + "bb".repeat(32);
  static final String ACC_A = "0x" + "0a".repeat(32);
  static final String ACC_B = "0x" + "0b".repeat(32);
  static final String COINBASE = "0x" + "c0".repeat(20);
  static final BatchData FEED_DATA = new BatchData("0xc0", 1_767_225_600L, COINBASE, Source.FEED);
  static final BatchData L1_SAME = new BatchData("0xc0", 1_767_225_600L, COINBASE, Source.L1);
  static final BatchData L1_OTHER = new BatchData("0xc180", 1_767_225_601L, COINBASE, Source.L1);
  static final L1Ref SEQ_BLOCK = new L1Ref(100, "0x" + "11".repeat(32), "0x" + "12".repeat(32), 0);
  static final L1Ref SEQ_BLOCK_2 = new L1Ref(101, "0x" + "21".repeat(32), "0x" + "22".repeat(32), 1);
  static final L1Ref VERIFY_BLOCK = new L1Ref(110, "0x" + "31".repeat(32), "0x" + "32".repeat(32), 3);

  static ActorTestKit testKit;
  EventSourcedBehaviorTestKit<Command, Event, State> kit;

  @BeforeAll
  static void startTestKit() {
    testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
        .withFallback(ConfigFactory.parseString("akka.actor.provider = local"))
        .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void clear() {
    if (kit != null) kit.clear();
  }

  EventSourcedBehaviorTestKit<Command, Event, State> kit(long number) {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(),
        BatchEntity.create(number, BatchEntity.tagFor(number, 4), 5, Clock.systemUTC()));
    return kit;
  }

  CommandResultWithReply<Command, Event, State, StatusReply<State>> trusted(BatchData data, String root) {
    return kit.runCommand(r -> new RecordTrusted(data, root, ACC_A, r));
  }

  CommandResultWithReply<Command, Event, State, StatusReply<State>> virtualize(BatchData data, String root, L1Ref l1) {
    return kit.runCommand(r -> new Virtualize(data, root, ACC_A, l1, r));
  }

  CommandResultWithReply<Command, Event, State, StatusReply<State>> consolidate(String root, L1Ref l1) {
    return kit.runCommand(r -> new Consolidate(root, l1, r));
  }

  CommandResultWithReply<Command, Event, State, StatusReply<State>> discard(long reorgedBatch) {
    return kit.runCommand(r -> new DiscardTrusted(reorgedBatch, r));
  }

  CommandResultWithReply<Command, Event, State, StatusReply<State>> undo(L1Ref l1) {
    return kit.runCommand(r -> new UndoL1Block(l1.blockHash(), r));
  }

  /** Every test ends here: the journal alone gives back the same state. */
  void assertRecovers(State expected) {
    assertEquals(expected, kit.restart().state());
  }

  static void assertRefused(CommandResultWithReply<Command, Event, State, StatusReply<State>> result, String why) {
    assertTrue(result.reply().isError(), "expected a refusal");
    assertTrue(result.reply().getError().getMessage().contains(why), result.reply().getError().getMessage());
    assertTrue(result.hasNoEvents(), "a refused command persists nothing");
  }

  @Test
  void trustedRecordedFromTheFeedAndRedeliveryPersistsNothing() {
    kit(1);
    var result = trusted(FEED_DATA, ROOT_A);
    assertTrue(result.reply().isSuccess());
    TrustedRecorded event = result.eventOfType(TrustedRecorded.class);
    assertEquals(1, event.number());
    assertEquals(Stage.TRUSTED, result.state().stage());
    assertEquals(ROOT_A, result.state().current().stateRoot());
    assertEquals(ACC_A, result.state().current().accInputHash());
    assertEquals(Source.FEED, result.state().current().data().source());

    var again = trusted(FEED_DATA, ROOT_A);
    assertTrue(again.reply().isSuccess());
    assertTrue(again.hasNoEvents());
    assertRecovers(again.state());
  }

  @Test
  void conflictingTrustedVersionIsRefused() {
    kit(2);
    trusted(FEED_DATA, ROOT_A);
    BatchData other = new BatchData("0xc180", FEED_DATA.timestamp(), COINBASE, Source.FEED);
    assertRefused(trusted(other, ROOT_B), "already Trusted with different [transactions]");
    assertRecovers(kit.getState());
  }

  @Test
  void virtualizedWithoutEverBeingTrusted() {
    kit(3);
    var result = virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    Virtualized event = result.eventOfType(Virtualized.class);
    assertTrue(event.differingFields().isEmpty());
    assertEquals(Stage.VIRTUAL, result.state().stage());
    assertEquals(SEQ_BLOCK, result.state().current().virtualL1());
    assertEquals(Source.L1, result.state().current().data().source());
    assertTrue(virtualize(L1_SAME, ROOT_A, SEQ_BLOCK).hasNoEvents(), "the same L1 log again persists nothing");
    assertRecovers(result.state());
  }

  @Test
  void virtualizedWithTheTrustedDataIsNoReorg() {
    kit(4);
    trusted(FEED_DATA, ROOT_A);
    var result = virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    assertEquals(Stage.VIRTUAL, result.state().stage());
    assertNull(result.state().current().trustedReorg());
    assertEquals(List.of("trusted-recorded", "virtualized"),
        result.state().history().stream().map(BatchEntity.Transition::event).toList());
    assertRecovers(result.state());
  }

  @Test
  void trustedReorgRecordsTheDifferingFieldsAndKeepsBothVersions() {
    kit(5);
    trusted(FEED_DATA, ROOT_A);
    var result = virtualize(L1_OTHER, ROOT_B, SEQ_BLOCK);
    Virtualized event = result.eventOfType(Virtualized.class);
    assertEquals(List.of("transactions", "timestamp"), event.differingFields());
    assertEquals(FEED_DATA, event.trustedData());

    State state = result.state();
    assertEquals(Stage.VIRTUAL, state.stage());
    assertEquals(L1_OTHER, state.current().data(), "the L1 version becomes the batch's data");
    assertEquals(ROOT_B, state.current().stateRoot());
    var reorg = state.current().trustedReorg();
    assertEquals(List.of("transactions", "timestamp"), reorg.differingFields());
    assertEquals(FEED_DATA, reorg.trusted());
    assertEquals(L1_OTHER, reorg.l1());
    assertEquals(FEED_DATA, state.history().get(0).data());
    assertEquals("trusted-reorg", state.history().get(1).event());
    assertEquals(L1_OTHER, state.history().get(1).data());
    assertRecovers(state);
  }

  @Test
  void aVirtualizedWithTheTrustedDataDoesNotRepeatTheirTransactions() {
    kit(23);
    trusted(FEED_DATA, ROOT_A);
    Virtualized event = virtualize(L1_SAME, ROOT_A, SEQ_BLOCK).eventOfType(Virtualized.class);
    assertNull(event.data().transactions(), "the TrustedRecorded event holds them");
    assertEquals(L1_SAME, event.data(), "only the source changes, to l1");
    assertRecovers(kit.getState());
  }

  @Test
  void aTrustedReorgCarriesTheL1TransactionsAndNamesTheReplacedOnes() {
    kit(24);
    trusted(FEED_DATA, ROOT_A);
    Virtualized event = virtualize(L1_OTHER, ROOT_B, SEQ_BLOCK).eventOfType(Virtualized.class);
    assertArrayEquals(L1_OTHER.transactions(), event.data().transactions());
    assertNull(event.trustedData().transactions(), "the TrustedRecorded event holds them");
    assertNull(kit.getState().current().data().transactions(), "the state keeps their keccak and size only");
    assertRecovers(kit.getState());
  }

  @Test
  void feedVersionArrivingAfterL1IsIgnoredUnlessItMatches() {
    kit(6);
    virtualize(L1_OTHER, ROOT_B, SEQ_BLOCK);
    assertRefused(trusted(FEED_DATA, ROOT_A), "is virtual with the L1 version");
    var same = trusted(new BatchData(L1_OTHER.transactions(), L1_OTHER.timestamp(), COINBASE, Source.FEED), ROOT_B);
    assertTrue(same.reply().isSuccess());
    assertTrue(same.hasNoEvents());
    assertRecovers(kit.getState());
  }

  @Test
  void virtualizedAgainFromAnotherBlockIsRefused() {
    kit(7);
    virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    assertRefused(virtualize(L1_SAME, ROOT_A, SEQ_BLOCK_2), "already Virtual from L1 block 100");
    assertRecovers(kit.getState());
  }

  @Test
  void consolidatedWhenVirtualAndRedeliveryPersistsNothing() {
    kit(8);
    virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    var result = consolidate(ROOT_A, VERIFY_BLOCK);
    Consolidated event = result.eventOfType(Consolidated.class);
    assertEquals(ROOT_A, event.verifiedRoot());
    assertEquals(Stage.CONSOLIDATED, result.state().stage());
    assertEquals(ROOT_A, result.state().current().verifiedRoot());
    assertEquals(VERIFY_BLOCK, result.state().current().consolidatedL1());
    assertTrue(consolidate(ROOT_A, VERIFY_BLOCK).hasNoEvents());
    assertRefused(consolidate(ROOT_A, SEQ_BLOCK_2), "already Consolidated by L1 block 110");
    assertRecovers(result.state());
  }

  @Test
  void consolidatedInsideAVerifiedRangeHasNoRootOfItsOwn() {
    kit(20);
    virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    var result = consolidate(null, VERIFY_BLOCK);
    assertNull(result.eventOfType(Consolidated.class).verifiedRoot());
    assertEquals(Stage.CONSOLIDATED, result.state().stage());
    assertNull(result.state().current().verifiedRoot());
    assertTrue(consolidate(null, VERIFY_BLOCK).hasNoEvents());
    assertRecovers(result.state());
  }

  @Test
  void consolidatedIsRefusedUnlessVirtual() {
    kit(9);
    assertRefused(consolidate(ROOT_A, VERIFY_BLOCK), "is none, not Virtual");
    trusted(FEED_DATA, ROOT_A);
    assertRefused(consolidate(ROOT_A, VERIFY_BLOCK), "is trusted, not Virtual");
    assertEquals(Stage.TRUSTED, kit.getState().stage());
    assertRecovers(kit.getState());
  }

  @Test
  void stateRootMismatchIsRecordedWithBothRoots() {
    kit(10);
    virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    var result = consolidate(ROOT_B, VERIFY_BLOCK);
    StateRootMismatched event = result.eventOfType(StateRootMismatched.class);
    assertEquals(ROOT_B, event.verifiedRoot());
    assertEquals(ROOT_A, event.ownRoot());
    State state = result.state();
    assertEquals(Stage.VIRTUAL, state.stage(), "the node never serves its own root as consolidated");
    assertEquals(ROOT_B, state.current().stateRootMismatch().verifiedRoot());
    assertEquals(ROOT_A, state.current().stateRootMismatch().ownRoot());
    assertTrue(consolidate(ROOT_B, VERIFY_BLOCK).hasNoEvents(), "the same verification again persists nothing");
    assertRecovers(state);
  }

  @Test
  void trustedDiscardedAfterAnEarlierTrustedReorg() {
    kit(11);
    trusted(FEED_DATA, ROOT_A);
    var result = discard(10);
    TrustedDiscarded event = result.eventOfType(TrustedDiscarded.class);
    assertEquals(10, event.reorgedBatch());
    assertEquals(Stage.NONE, result.state().stage());
    assertNull(result.state().current().data());
    assertEquals(FEED_DATA, result.state().history().get(1).data(), "the discarded data stays in the history");
    assertTrue(discard(10).hasNoEvents());

    var resent = trusted(new BatchData("0xc180", FEED_DATA.timestamp(), COINBASE, Source.FEED), ROOT_B);
    assertEquals(Stage.TRUSTED, resent.state().stage(), "the sequencer's corrected batch is taken");
    assertRecovers(resent.state());
  }

  @Test
  void discardingAVirtualBatchIsRefused() {
    kit(12);
    virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    assertRefused(discard(11), "only a Trusted batch is discarded");
    assertRecovers(kit.getState());
  }

  @Test
  void l1ReorgUndoesConsolidatedBackToVirtual() {
    kit(13);
    virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    State virtual = consolidate(ROOT_A, VERIFY_BLOCK).stateOfType(State.class);
    var result = undo(VERIFY_BLOCK);
    L1BlockUndone event = result.eventOfType(L1BlockUndone.class);
    assertEquals(Stage.VIRTUAL, event.stageAfter());
    assertEquals(Stage.VIRTUAL, result.state().stage());
    assertEquals(SEQ_BLOCK, result.state().current().virtualL1());
    assertNull(result.state().current().consolidatedL1());
    assertNotNull(virtual);
    assertTrue(undo(VERIFY_BLOCK).hasNoEvents(), "undoing the same block twice persists nothing");
    assertRecovers(result.state());
  }

  @Test
  void l1ReorgUndoesAReorgedVirtualBackToTheTrustedVersion() {
    kit(14);
    State trustedState = trusted(FEED_DATA, ROOT_A).state();
    virtualize(L1_OTHER, ROOT_B, SEQ_BLOCK);
    var result = undo(SEQ_BLOCK);
    assertEquals(Stage.TRUSTED, result.state().stage());
    assertEquals(trustedState.current(), result.state().current());
    assertEquals(3, result.state().history().size());
    assertRecovers(result.state());
  }

  @Test
  void l1ReorgUndoesVirtualBackToNothing() {
    kit(15);
    virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    var result = undo(SEQ_BLOCK);
    assertEquals(Stage.NONE, result.state().stage());
    assertNull(result.state().current().data());
    assertFalse(result.state().isUnknown(), "its history is kept");
    assertRecovers(result.state());
  }

  @Test
  void undoingAnEarlierBlockUndoesEverythingAfterIt() {
    kit(16);
    trusted(FEED_DATA, ROOT_A);
    virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    consolidate(ROOT_A, VERIFY_BLOCK);
    var result = undo(SEQ_BLOCK);
    assertEquals(Stage.TRUSTED, result.state().stage());
    assertTrue(result.state().l1Applied().isEmpty());
    assertTrue(undo(VERIFY_BLOCK).hasNoEvents(), "the later block's transition is gone already");
    assertRecovers(result.state());
  }

  @Test
  void undoingAVerificationClearsTheStateRootMismatch() {
    kit(17);
    virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    consolidate(ROOT_B, VERIFY_BLOCK);
    var result = undo(VERIFY_BLOCK);
    assertFalse(result.eventOfType(L1BlockUndone.class).stateRootMismatchOpenAfter());
    assertNull(result.state().current().stateRootMismatch());
    var again = consolidate(ROOT_A, SEQ_BLOCK_2);
    assertEquals(Stage.CONSOLIDATED, again.state().stage());
    assertRecovers(again.state());
  }

  @Test
  void undoOfABlockThatChangedNothingPersistsNothing() {
    kit(18);
    trusted(FEED_DATA, ROOT_A);
    var result = undo(SEQ_BLOCK);
    assertTrue(result.reply().isSuccess());
    assertTrue(result.hasNoEvents());
    assertRecovers(result.state());
  }

  @Test
  void aJournalFailureLosesNothingAndReDeliveryRecordsTheBatch() {
    kit(22);
    kit.persistenceTestKit().failNextPersisted();
    assertThrows(Throwable.class, () -> trusted(FEED_DATA, ROOT_A), "the write failed: no reply, the entity stops");
    kit.persistenceTestKit().expectNothingPersisted(BatchEntity.persistenceId(22).id());

    State recovered = kit.restart().state();
    assertTrue(recovered.isUnknown(), "nothing half-written");
    var again = trusted(FEED_DATA, ROOT_A); // the stream stage delivers again
    assertEquals(Stage.TRUSTED, again.state().stage());
    assertRecovers(again.state());
  }

  @Test
  void recoveryFromSnapshotsAndEvents() {
    kit(19); // snapshot every 5 events: 8 events cross one snapshot
    trusted(FEED_DATA, ROOT_A);
    virtualize(L1_SAME, ROOT_A, SEQ_BLOCK);
    consolidate(ROOT_A, VERIFY_BLOCK);
    undo(VERIFY_BLOCK);
    consolidate(ROOT_A, SEQ_BLOCK_2);
    undo(SEQ_BLOCK);
    virtualize(L1_OTHER, ROOT_B, SEQ_BLOCK_2);
    State last = consolidate(ROOT_B, VERIFY_BLOCK).state();
    assertEquals(8, last.history().size());
    assertInstanceOf(State.class, last);
    assertRecovers(last);
  }
}
