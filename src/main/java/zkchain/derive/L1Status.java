package zkchain.derive;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

/**
 * How L1 derivation is doing, for /status, /ready and the log: position, lag, reorgs, the last
 * error, a halt, and where the time goes. Written by {@link DerivationStream} (and the consumer's
 * refusals), read by anyone; each change is one named transition of an immutable snapshot.
 */
public final class L1Status {

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

  /** Where derivation spends its time, summed over all steps since start. */
  public enum Stage { L1_READ, EXECUTION, DELIVERY }

  private final AtomicReference<Snapshot> current = new AtomicReference<>(Snapshot.disabled());
  private final Map<Stage, LongAdder> nanos = new EnumMap<>(Stage.class);
  private final LongAdder executedBatches = new LongAdder();
  private final LongAdder promotedBatches = new LongAdder();
  private volatile long finalized;
  private volatile java.util.function.IntConsumer reorgObserver = depth -> {};

  public L1Status() {
    for (Stage s : Stage.values()) nanos.put(s, new LongAdder());
  }

  public Snapshot snapshot() {
    return current.get();
  }

  /**
   * The highest L1 block the configured finality (zkchain.l1.finality) lets derivation process, as
   * last seen; 0 before the first step.
   */
  public long finalized() {
    return finalized;
  }

  /** Told of the depth of every L1 reorg derivation undoes, as it is reported (metrics). */
  public void observeReorgs(java.util.function.IntConsumer observer) {
    this.reorgObserver = observer;
  }

  /** Seconds spent per stage since start. */
  public Map<Stage, Double> secondsSpent() {
    Map<Stage, Double> out = new EnumMap<>(Stage.class);
    nanos.forEach((stage, adder) -> out.put(stage, adder.sum() / 1e9));
    return out;
  }

  /** The "l1" section of /status. */
  public Map<String, Object> section() {
    Snapshot l1 = snapshot();
    var out = new java.util.LinkedHashMap<String, Object>();
    out.put("rollup", l1.rollup());
    out.put("head", l1.l1Head());
    out.put("processedBlock", l1.processedBlock());
    out.put("finalized", finalized());
    out.put("lag", l1.lag());
    out.put("virtualHead", l1.virtualHead());
    out.put("verifiedHead", l1.verifiedHead());
    out.put("trustedSequencer", l1.trustedSequencer());
    out.put("reorgs", l1.reorgs());
    out.put("lastReorgDepth", l1.lastReorgDepth());
    out.put("maxReorgDepth", l1.maxReorgDepth());
    out.put("refusedCommands", l1.refusedCommands());
    out.put("lastError", l1.lastError());
    out.put("lastErrorAt", l1.lastErrorAt());
    out.put("halted", l1.halted());
    var spent = new java.util.LinkedHashMap<String, Double>();
    secondsSpent().forEach((stage, seconds) -> spent.put(stage.name().toLowerCase().replace('_', '-'), seconds));
    out.put("secondsSpent", spent);
    out.put("executedBatches", executedBatches());
    out.put("promotedBatches", promotedBatches());
    return out;
  }

  /** A sequenced batch was executed, or taken as the node already executed it (promoted). */
  void executed(boolean promoted) {
    (promoted ? promotedBatches : executedBatches).increment();
  }

  /** Batches derivation executed itself since start. */
  public long executedBatches() {
    return executedBatches.sum();
  }

  /** Batches derivation took as the node had executed them from the feed, without executing them again. */
  public long promotedBatches() {
    return promotedBatches.sum();
  }

  void spent(Stage stage, long nanoseconds) {
    nanos.get(stage).add(nanoseconds);
  }

  private void update(UnaryOperator<Snapshot> change) {
    current.updateAndGet(change);
  }

  /** Derivation starts at the deployment block, with the deployed trusted sequencer. */
  public void started(String rollup, long deployBlock, String trustedSequencer) {
    update(s -> new Snapshot(true, rollup, 0, deployBlock, 0, 0, trustedSequencer, 0, 0, 0, 0, null, null, null));
  }

  /** The block the finality allows derivation to process, as a step saw it. */
  void sawFinalized(long block) {
    finalized = Math.max(finalized, block);
  }

  /** L1's head as a step saw it, before the rest of the step ran. */
  void sawL1Head(long l1Head) {
    update(s -> new Snapshot(s.enabled(), s.rollup(), Math.max(s.l1Head(), l1Head), s.processedBlock(),
        s.virtualHead(), s.verifiedHead(), s.trustedSequencer(), s.reorgs(), s.lastReorgDepth(), s.maxReorgDepth(),
        s.refusedCommands(), s.lastError(), s.lastErrorAt(), s.halted()));
  }

  /** One step done: where derivation is, and a reorg's depth (0: none). */
  void stepped(long processedBlock, L1View view, int reorgDepth) {
    boolean reorg = reorgDepth > 0;
    update(s -> new Snapshot(true, s.rollup(), s.l1Head(), processedBlock,
        view.lastVirtual(), view.lastVerified(), view.trustedSequencer(),
        s.reorgs() + (reorg ? 1 : 0), reorg ? reorgDepth : s.lastReorgDepth(), Math.max(s.maxReorgDepth(), reorgDepth),
        s.refusedCommands(), s.lastError(), s.lastErrorAt(), s.halted()));
    if (reorg) reorgObserver.accept(reorgDepth);
  }

  /** The consumer refused what a step meant (a batch entity said why); counted, never stopping derivation. */
  public void refused() {
    update(s -> new Snapshot(s.enabled(), s.rollup(), s.l1Head(), s.processedBlock(), s.virtualHead(),
        s.verifiedHead(), s.trustedSequencer(), s.reorgs(), s.lastReorgDepth(), s.maxReorgDepth(),
        s.refusedCommands() + 1, s.lastError(), s.lastErrorAt(), s.halted()));
  }

  void error(String message) {
    update(s -> new Snapshot(s.enabled(), s.rollup(), s.l1Head(), s.processedBlock(), s.virtualHead(),
        s.verifiedHead(), s.trustedSequencer(), s.reorgs(), s.lastReorgDepth(), s.maxReorgDepth(),
        s.refusedCommands(), message, Instant.now(), s.halted()));
  }

  /** Derivation stopped for good (an L1 reorg deeper than the window): /ready fails until an operator acts. */
  void halted(String why) {
    update(s -> new Snapshot(s.enabled(), s.rollup(), s.l1Head(), s.processedBlock(), s.virtualHead(),
        s.verifiedHead(), s.trustedSequencer(), s.reorgs(), s.lastReorgDepth(), s.maxReorgDepth(),
        s.refusedCommands(), s.lastError(), s.lastErrorAt(), why));
  }
}
