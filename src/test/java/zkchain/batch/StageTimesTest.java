package zkchain.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zkchain.batch.BatchEntity.Command;
import zkchain.batch.BatchEntity.Consolidate;
import zkchain.batch.BatchEntity.Event;
import zkchain.batch.BatchEntity.RecordTrusted;
import zkchain.batch.BatchEntity.Stage;
import zkchain.batch.BatchEntity.StageTime;
import zkchain.batch.BatchEntity.State;
import zkchain.batch.BatchEntity.UndoL1Block;
import zkchain.batch.BatchEntity.Virtualize;

/**
 * zkchain_stage_seconds is fed by the batch entity as a transition is persisted: Trusted to
 * Virtual and Virtual to Consolidated, each timed from when the batch entered the stage it left,
 * and nothing when the entity replays its journal.
 */
class StageTimesTest {
  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
        .withFallback(ConfigFactory.parseString("akka.actor.provider = local"))
        .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** A clock the test moves. */
  static final class TestClock extends Clock {
    volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void liveTransitionsAreTimedOnceAndReplayTimesNothing() {
    TestClock clock = new TestClock();
    List<StageTime> observed = new CopyOnWriteArrayList<>();
    var kit = EventSourcedBehaviorTestKit.<Command, Event, State>create(testKit.system(),
        BatchEntity.create(7, BatchEntity.tagFor(7, 4), 100, clock,
            (from, to, time) -> observed.add(new StageTime(from, to, time))));

    kit.<StatusReply<State>>runCommand(r -> new RecordTrusted(BatchEntityTest.FEED_DATA, BatchEntityTest.ROOT_A, BatchEntityTest.ACC_A, r));
    assertEquals(List.of(), observed, "entering Trusted is not a stage time");
    clock.advance(Duration.ofSeconds(12));
    kit.<StatusReply<State>>runCommand(r -> new Virtualize(BatchEntityTest.L1_SAME, BatchEntityTest.ROOT_A, BatchEntityTest.ACC_A,
        BatchEntityTest.SEQ_BLOCK, r));
    assertEquals(List.of(new StageTime(Stage.TRUSTED, Stage.VIRTUAL, Duration.ofSeconds(12))), observed);

    clock.advance(Duration.ofSeconds(30));
    kit.<StatusReply<State>>runCommand(r -> new Consolidate(BatchEntityTest.ROOT_A, BatchEntityTest.VERIFY_BLOCK, r));
    assertEquals(new StageTime(Stage.VIRTUAL, Stage.CONSOLIDATED, Duration.ofSeconds(30)), observed.get(1));

    // an L1 reorg undoes the verification: not a stage time; the next verification is timed from
    // when the batch went Virtual, which it has been all along
    clock.advance(Duration.ofSeconds(5));
    kit.<StatusReply<State>>runCommand(r -> new UndoL1Block(BatchEntityTest.VERIFY_BLOCK.blockHash(), r));
    assertEquals(2, observed.size());
    clock.advance(Duration.ofSeconds(5));
    kit.<StatusReply<State>>runCommand(r -> new Consolidate(BatchEntityTest.ROOT_A, BatchEntityTest.VERIFY_BLOCK, r));
    assertEquals(new StageTime(Stage.VIRTUAL, Stage.CONSOLIDATED, Duration.ofSeconds(40)), observed.get(2));

    int before = observed.size();
    State recovered = kit.restart().state();
    assertEquals(Stage.CONSOLIDATED, recovered.stage());
    assertEquals(before, observed.size(), "replaying the journal times nothing");
    assertTrue(recovered.lastStageTime().isPresent(), "the state still knows its last stage time");
    kit.clear();
  }
}
