package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/** How the node's L1 sync is doing, for /status and the log: position, lag, reorgs, the last error. */
public final class L1Status implements Extension {

  public record Snapshot(
      boolean enabled,
      String rollup,
      long l1Head,
      long processedBlock,
      long virtualHead,
      long verifiedHead,
      String trustedSequencer,
      long reorgs,
      long lastReorgDepth,
      long maxReorgDepth,
      long refusedCommands,
      String lastError,
      Instant lastErrorAt,
      String halted) {
    /** Blocks between the L1 head last seen (even by a step that then failed) and the last processed one. */
    public long lag() {
      return Math.max(0, l1Head - processedBlock);
    }

    static Snapshot disabled() {
      return new Snapshot(false, null, 0, 0, 0, 0, null, 0, 0, 0, 0, null, null, null);
    }
  }

  public static final ExtensionId<L1Status> ID = new ExtensionId<>() {
    @Override
    public L1Status createExtension(ActorSystem<?> system) {
      return new L1Status();
    }
  };

  public static L1Status get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private final AtomicReference<Snapshot> current = new AtomicReference<>(Snapshot.disabled());

  /** Where the sync spends its time, summed over all steps since start. */
  public enum Stage { L1_READ, EXECUTION, DELIVERY, COMMIT }

  private final java.util.EnumMap<Stage, java.util.concurrent.atomic.LongAdder> nanos = new java.util.EnumMap<>(Stage.class);

  {
    for (Stage s : Stage.values()) nanos.put(s, new java.util.concurrent.atomic.LongAdder());
  }

  void spent(Stage stage, long nanoseconds) {
    nanos.get(stage).add(nanoseconds);
  }

  /** Seconds spent per stage since start. */
  public java.util.Map<Stage, Double> secondsSpent() {
    java.util.Map<Stage, Double> out = new java.util.EnumMap<>(Stage.class);
    nanos.forEach((stage, adder) -> out.put(stage, adder.sum() / 1e9));
    return out;
  }

  public Snapshot snapshot() {
    return current.get();
  }

  private void update(UnaryOperator<Snapshot> change) {
    current.updateAndGet(change);
  }

  /** The sync starts at the deployment block, with the deployed trusted sequencer. */
  void started(String rollup, long deployBlock, String trustedSequencer) {
    update(s -> new Snapshot(true, rollup, 0, deployBlock, 0, 0, trustedSequencer, 0, 0, 0, 0, null, null, null));
  }

  /** L1's head as a step saw it, before the rest of the step ran. */
  void sawL1Head(long l1Head) {
    update(s -> new Snapshot(s.enabled(), s.rollup(), Math.max(s.l1Head(), l1Head), s.processedBlock(),
        s.virtualHead(), s.verifiedHead(), s.trustedSequencer(), s.reorgs(), s.lastReorgDepth(), s.maxReorgDepth(),
        s.refusedCommands(), s.lastError(), s.lastErrorAt(), s.halted()));
  }

  /** One step done: where the sync is, L1's head when the step saw it (-1: unknown), and a reorg's depth (0: none). */
  void stepped(long l1Head, long processedBlock, BatchExecution.L1View view, int reorgDepth) {
    boolean reorg = reorgDepth > 0;
    update(s -> new Snapshot(true, s.rollup(), l1Head >= 0 ? l1Head : s.l1Head(), processedBlock,
        view.lastVirtual(), view.lastVerified(), view.trustedSequencer(),
        s.reorgs() + (reorg ? 1 : 0), reorg ? reorgDepth : s.lastReorgDepth(), Math.max(s.maxReorgDepth(), reorgDepth),
        s.refusedCommands(), s.lastError(), s.lastErrorAt(), s.halted()));
  }

  void refused() {
    update(s -> new Snapshot(s.enabled(), s.rollup(), s.l1Head(), s.processedBlock(), s.virtualHead(),
        s.verifiedHead(), s.trustedSequencer(), s.reorgs(), s.lastReorgDepth(), s.maxReorgDepth(),
        s.refusedCommands() + 1, s.lastError(), s.lastErrorAt(), s.halted()));
  }

  void error(String message) {
    update(s -> new Snapshot(s.enabled(), s.rollup(), s.l1Head(), s.processedBlock(), s.virtualHead(),
        s.verifiedHead(), s.trustedSequencer(), s.reorgs(), s.lastReorgDepth(), s.maxReorgDepth(),
        s.refusedCommands(), message, Instant.now(), s.halted()));
  }

  /** The sync stopped for good (an L1 reorg deeper than the window): /ready fails until an operator acts. */
  void halted(String why) {
    update(s -> new Snapshot(s.enabled(), s.rollup(), s.l1Head(), s.processedBlock(), s.virtualHead(),
        s.verifiedHead(), s.trustedSequencer(), s.reorgs(), s.lastReorgDepth(), s.maxReorgDepth(),
        s.refusedCommands(), s.lastError(), s.lastErrorAt(), why));
  }
}
