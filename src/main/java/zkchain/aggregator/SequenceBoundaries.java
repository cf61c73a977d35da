package zkchain.aggregator;

import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import zkchain.derive.BatchExecution;
import zkchain.derive.L1Step;
import zkchain.l1.RollupEvent;

/**
 * The sequence boundaries (last batch of a SequenceBatches call) the aggregator has executed
 * itself: only those can be verified on L1, because only their accInputHash is stored
 * (PROTOCOL.md §5). Immutable; batch 0 (the genesis) is the first boundary. No Akka, no I/O.
 */
public record SequenceBoundaries(NavigableMap<Long, Boundary> byBatch) {

  /**
   * @param stateRoot the aggregator's own root of {@code numBatch}
   * @param accInputHash accInputHash of {@code numBatch}, as executed and as the SequenceBatches event says
   * @param l1Block the L1 block that sequenced it, for the confirmation depth
   */
  public record Boundary(long numBatch, String stateRoot, String accInputHash, long l1Block) {}

  public SequenceBoundaries {
    byBatch = new TreeMap<>(byBatch);
  }

  public static SequenceBoundaries genesis(String genesisRoot, String zeroAccInputHash, long deployBlock) {
    TreeMap<Long, Boundary> m = new TreeMap<>();
    m.put(0L, new Boundary(0, genesisRoot, zeroAccInputHash, deployBlock));
    return new SequenceBoundaries(m);
  }

  public Optional<Boundary> at(long numBatch) {
    return Optional.ofNullable(byBatch.get(numBatch));
  }

  public long lastExecuted() {
    return byBatch.lastKey();
  }

  /** The boundaries once an executed L1 step is applied: new ones on an advance, fewer on an L1 reorg. */
  public SequenceBoundaries after(BatchExecution.Planned planned) {
    if (planned.step() instanceof L1Step.Reorg) {
      // the execution went back to the view at the common ancestor: what it no longer has, nor do we
      return new SequenceBoundaries(byBatch.headMap(planned.view().lastVirtual(), true));
    }
    if (!(planned.step() instanceof L1Step.Advance advance)) return this;
    Map<Long, String> roots = new HashMap<>();
    for (BatchExecution.Derived d : planned.derived()) {
      if (d instanceof BatchExecution.SequencedBatch v) roots.put(v.batch().number(), v.stateRoot().hex());
    }
    TreeMap<Long, Boundary> m = new TreeMap<>(byBatch);
    for (RollupEvent e : advance.events()) {
      if (!(e instanceof RollupEvent.SequenceBatches s)) continue;
      String root = roots.get(s.numBatch());
      if (root == null) throw new IllegalStateException("SequenceBatches up to batch " + s.numBatch() + " in L1 tx "
          + s.log().txHash() + " was not executed in its step");
      m.put(s.numBatch(), new Boundary(s.numBatch(), root, s.accInputHash(), s.log().blockNumber()));
    }
    return new SequenceBoundaries(m);
  }

  /**
   * The boundary to verify next after {@code lastVerifiedBatch}: the newest one sequenced at or
   * below {@code deepEnoughBlock}, at most {@code maxBatches} above lastVerifiedBatch when
   * maxBatches is above 0. A sequence longer than the cap cannot be split, so then the first boundary goes alone.
   */
  public Optional<Boundary> target(long lastVerifiedBatch, long deepEnoughBlock, int maxBatches) {
    Optional<Boundary> capped = Optional.empty();
    Optional<Boundary> first = Optional.empty();
    for (Boundary b : byBatch.tailMap(lastVerifiedBatch, false).values()) {
      if (b.l1Block() > deepEnoughBlock) break; // boundaries are sequenced in L1 order
      if (first.isEmpty()) first = Optional.of(b);
      if (maxBatches > 0 && b.numBatch() - lastVerifiedBatch > maxBatches) break;
      capped = Optional.of(b);
    }
    return capped.isPresent() ? capped : first;
  }

  /**
   * Forgets boundaries below {@code lastVerifiedBatch} sequenced below {@code floorBlock}, the
   * oldest L1 block a reorg can still undo: those are never the start of a verification again.
   */
  public SequenceBoundaries forgetBelow(long lastVerifiedBatch, long floorBlock) {
    NavigableMap<Long, Boundary> older = byBatch.headMap(lastVerifiedBatch, false);
    if (older.isEmpty() || older.firstEntry().getValue().l1Block() >= floorBlock) return this;
    TreeMap<Long, Boundary> m = new TreeMap<>(byBatch);
    m.headMap(lastVerifiedBatch, false).values().removeIf(b -> b.l1Block() < floorBlock);
    return new SequenceBoundaries(m);
  }
}
