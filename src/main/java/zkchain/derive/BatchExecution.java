package zkchain.derive;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import zkchain.execution.Executor;
import zkchain.l1.L1Log;
import zkchain.l1.RollupEvent;
import zkchain.l1.SequenceBatchesCalldata;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.Hash32;

/**
 * The third stage of L1 derivation: executes the batches L1 sequenced, in order, each on the root
 * of the one before, and says what each L1 step means for the batches: a batch sequenced (with
 * its data and roots), a range verified, the batches an orphaned L1 block moved. Its records
 * are its own; the node turns them into batch entity commands, the aggregator into proofs.
 *
 * <p>It keeps, per processed L1 block, what the derivation knew of the rollup after it (an
 * {@link L1View}), so an L1 reorg goes back to the view at the common ancestor and executes
 * again from there: the trie is content-addressed, so nothing is copied. No Akka here.
 */
public final class BatchExecution {

  /** What one L1 step means for the batches. */
  public sealed interface Derived {}

  /** L1 sequenced {@code batch} in the log {@code l1}; executed on its parent, it gives these roots. */
  public record SequencedBatch(Batch batch, Hash32 stateRoot, Hash32 accInputHash, L1Log l1) implements Derived {}

  /** Batches (afterBatch, toBatch] verified by one event; only toBatch has its root on L1. */
  public record VerifiedRange(long afterBatch, long toBatch, Hash32 verifiedRoot, L1Log l1) implements Derived {}

  /** Every batch in [fromBatch, toBatch] hears that these blocks (oldest first) are orphaned. */
  public record OrphanedBlocks(long fromBatch, long toBatch, List<String> blockHashes) implements Derived {}

  /**
   * What one L1 step means for the batches, and the views to commit with it. {@code readAgain} is
   * null, or why the node stepped back: the step is then a {@link L1Step.Reorg} to an earlier
   * block, and the stream must read L1 again from the committed position.
   */
  public record Planned(L1Step step, List<Derived> derived, L1View view, NavigableMap<Long, L1View> checkpoints,
                        String readAgain) {
    Planned(L1Step step, List<Derived> derived, L1View view, NavigableMap<Long, L1View> checkpoints) {
      this(step, derived, view, checkpoints, null);
    }
  }

  /**
   * Batches the node already executed, by number and accInputHash: derivation takes their state
   * root instead of executing them again (op-node promotes its unsafe blocks the same way). The
   * accInputHash chains every batch's data since the genesis, so an equal one means the same data
   * on the same parent, hence the same root; a trusted reorg changes it, and that batch and every
   * one after it are executed again.
   */
  public interface AlreadyExecuted {
    Optional<Hash32> stateRoot(long number, Hash32 accInputHash);

    AlreadyExecuted NONE = (number, accInputHash) -> Optional.empty();
  }

  /** Step-backs in a row that did not fix an inconsistent read before the sync halts. */
  static final int MAX_STEP_BACKS = 3;

  private final Executor executor;
  private final TreeMap<Long, L1View> checkpoints;
  private final AtomicInteger stepBacks;
  private final AlreadyExecuted alreadyExecuted;
  private final L1Status status;

  /**
   * @param checkpoints the views after processed L1 blocks, at least the one of the starting block
   * @param stepBacks step-backs in a row so far; outlives a restart of the stream, so that each
   *     step-back goes further back than the one before
   */
  public BatchExecution(Executor executor, NavigableMap<Long, L1View> checkpoints, AtomicInteger stepBacks,
                        AlreadyExecuted alreadyExecuted, L1Status status) {
    if (checkpoints.isEmpty()) throw new IllegalArgumentException("execution starts from a view of L1");
    this.executor = executor;
    this.checkpoints = new TreeMap<>(checkpoints);
    this.stepBacks = stepBacks;
    this.alreadyExecuted = alreadyExecuted;
    this.status = status;
  }

  /**
   * L1's events and the calldata read with them disagree (a count, an accInputHash, a verification
   * beyond the Virtual head): a sign that an earlier read missed an event, never a reason to stop.
   */
  private static final class InconsistentRead extends RuntimeException {
    InconsistentRead(String message) {
      super(message, null, false, false);
    }
  }

  public L1View view() {
    return checkpoints.lastEntry().getValue();
  }

  public Planned plan(CalldataRetrieval.Retrieved retrieved) {
    L1Step step = retrieved.step();
    if (step instanceof L1Step.Advance a) {
      TreeMap<Long, L1View> before = new TreeMap<>(checkpoints);
      try {
        Planned planned = advance(a, retrieved.calldata());
        if (planned.view().lastVirtual() > before.lastEntry().getValue().lastVirtual()) stepBacks.set(0);
        return planned;
      } catch (InconsistentRead e) {
        checkpoints.clear();
        checkpoints.putAll(before);
        return stepBack(a, e.getMessage());
      }
    }
    if (step instanceof L1Step.Reorg r) return reorg(r);
    return new Planned(step, List.of(), view(), snapshot());
  }

  /**
   * Goes back to the block where the Virtual head was reached (further back at each step-back in a
   * row) as if L1 had reorged above it: the transitions of the blocks above are undone and L1 is
   * read again from there, so an event an earlier read missed is found.
   */
  private Planned stepBack(L1Step.Advance step, String why) {
    int level = stepBacks.incrementAndGet();
    if (level > MAX_STEP_BACKS) {
      throw new L1SyncHalted(why + "; L1 was read again " + MAX_STEP_BACKS + " times from further back and "
          + "still disagrees");
    }
    long target = blockWhereVirtualHeadWasReached(level);
    L1Chain before = step.chainAfter().truncateAfter(step.from());
    L1Block ancestor = before.blocks().get(0);
    for (L1Block b : before.blocks()) {
      if (b.number() <= target) ancestor = b;
    }
    Planned back = reorg(new L1Step.Reorg(ancestor, before.above(ancestor.number()),
        before.truncateAfter(ancestor.number())));
    String readAgain = why + "; reading L1 again from block " + ancestor.number() + " (step-back " + level + " of "
        + MAX_STEP_BACKS + ")";
    return new Planned(back.step(), back.derived(), back.view(), back.checkpoints(), readAgain);
  }

  /** The lowest processed block of the {@code level}-th run of equal Virtual heads, newest run first. */
  private long blockWhereVirtualHeadWasReached(int level) {
    long virtual = view().lastVirtual();
    int run = 1;
    long lowest = checkpoints.lastKey();
    for (var entry : checkpoints.descendingMap().entrySet()) {
      if (entry.getValue().lastVirtual() != virtual) {
        if (run == level) return lowest;
        run++;
        virtual = entry.getValue().lastVirtual();
      }
      lowest = entry.getKey();
    }
    return lowest;
  }

  private Planned advance(L1Step.Advance step, Map<String, SequenceBatchesCalldata.Valid> calldata) {
    L1View view = view();
    List<Derived> derived = new ArrayList<>();
    for (RollupEvent event : step.events()) {
      if (event instanceof RollupEvent.SequenceBatches s) {
        view = sequenced(view, s, calldata.get(s.log().txHash()), derived);
      } else if (event instanceof RollupEvent.VerifyBatchesTrustedAggregator v) {
        view = verified(view, v, derived);
      } else if (event instanceof RollupEvent.SetTrustedSequencer t) {
        view = view.withTrustedSequencer(t.newTrustedSequencer());
      }
      checkpoints.put(event.log().blockNumber(), view);
    }
    checkpoints.put(step.to(), view);
    forgetBelow(step.chainAfter().blocks().get(0).number());
    return new Planned(step, derived, view, snapshot());
  }

  private L1View sequenced(L1View view, RollupEvent.SequenceBatches event, SequenceBatchesCalldata.Valid call,
                           List<Derived> derived) {
    if (call == null) {
      throw new InconsistentRead("no calldata read for SequenceBatches in L1 tx " + event.log().txHash());
    }
    long first = view.lastVirtual() + 1;
    long last = view.lastVirtual() + call.batches().size();
    if (last != event.numBatch()) {
      throw new InconsistentRead("SequenceBatches in L1 tx " + event.log().txHash() + " ends at batch "
          + event.numBatch() + " but its calldata carries batches " + first + ".." + last);
    }
    Address coinbase = Address.of(call.l2Coinbase());
    Hash32 acc = Hash32.of(view.accInputHash());
    List<Batch> batches = new ArrayList<>(call.batches().size());
    List<Hash32> accs = new ArrayList<>(call.batches().size());
    List<Optional<Hash32>> known = new ArrayList<>(call.batches().size());
    for (var data : call.batches()) {
      Batch batch = new Batch(first + batches.size(), data.transactions(), data.timestamp(), coinbase);
      acc = AccInputHash.next(acc, batch);
      batches.add(batch);
      accs.add(acc);
      known.add(alreadyExecuted.stateRoot(batch.number(), acc));
    }
    if (!acc.hex().equalsIgnoreCase(event.accInputHash())) {
      throw new InconsistentRead("accInputHash of batch " + last + " recomputed from the calldata of L1 tx "
          + event.log().txHash() + " is " + acc.hex() + ", the contract says " + event.accInputHash());
    }
    // the senders of every batch to execute are recovered at once, in parallel, then applied in order
    List<Executor.Prepared> prepared = java.util.stream.IntStream.range(0, batches.size()).parallel()
        .mapToObj(i -> known.get(i).isPresent() ? null : executor.prepare(batches.get(i))).toList();
    Hash32 root = Hash32.of(view.stateRoot());
    for (int i = 0; i < batches.size(); i++) {
      boolean promoted = known.get(i).isPresent();
      root = promoted ? known.get(i).get() : executor.execute(root, prepared.get(i)).stateRoot();
      status.executed(promoted);
      derived.add(new SequencedBatch(batches.get(i), root, accs.get(i), event.log()));
    }
    return new L1View(last, root.hex(), acc.hex(), view.lastVerified(), view.trustedSequencer());
  }

  private static L1View verified(L1View view, RollupEvent.VerifyBatchesTrustedAggregator event,
                                 List<Derived> derived) {
    if (event.numBatch() > view.lastVirtual() || event.numBatch() <= view.lastVerified()) {
      throw new InconsistentRead("VerifyBatchesTrustedAggregator up to batch " + event.numBatch()
          + " in L1 tx " + event.log().txHash() + " does not follow the verified head " + view.lastVerified()
          + " within the Virtual head " + view.lastVirtual());
    }
    derived.add(new VerifiedRange(view.lastVerified(), event.numBatch(), Hash32.of(event.stateRoot()), event.log()));
    return new L1View(view.lastVirtual(), view.stateRoot(), view.accInputHash(), event.numBatch(),
        view.trustedSequencer());
  }

  private Planned reorg(L1Step.Reorg step) {
    L1View before = view();
    var atAncestor = checkpoints.floorEntry(step.ancestor().number());
    if (atAncestor == null) {
      throw new IllegalStateException("no view of L1 at or below the reorg's common ancestor " + step.ancestor());
    }
    L1View back = atAncestor.getValue();
    checkpoints.tailMap(step.ancestor().number(), false).clear();
    checkpoints.put(step.ancestor().number(), back);
    List<Derived> derived = new ArrayList<>();
    if (before.lastVirtual() > back.lastVerified()) {
      derived.add(new OrphanedBlocks(back.lastVerified() + 1, before.lastVirtual(),
          step.orphaned().stream().map(L1Block::hash).toList()));
    }
    return new Planned(step, derived, back, snapshot());
  }

  private void forgetBelow(long oldestKeptBlock) {
    // keep the view at the window's floor: a reorg down to it restores that view
    Long floor = checkpoints.floorKey(oldestKeptBlock);
    if (floor != null) checkpoints.headMap(floor, false).clear();
  }

  private NavigableMap<Long, L1View> snapshot() {
    return new TreeMap<>(checkpoints);
  }

}
