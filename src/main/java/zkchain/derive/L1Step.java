package zkchain.derive;

import java.util.List;
import zkchain.l1.RollupEvent;

/** What following L1 produced this time: new blocks with the rollup's events, an L1 reorg, or nothing yet. */
public sealed interface L1Step {
  /** The chain of processed blocks once this step is applied; committed with it. */
  L1Chain chainAfter();

  /** Blocks (from, to] were read; events in chain order. {@code head} is L1's head, for the lag. */
  record Advance(long from, long to, List<RollupEvent> events, L1Chain chainAfter, long head) implements L1Step {}

  /** The blocks above {@code ancestor} are no longer on L1; every transition they caused is undone. */
  record Reorg(L1Block ancestor, List<L1Block> orphaned, L1Chain chainAfter) implements L1Step {
    public int depth() {
      return orphaned.size();
    }
  }

  /** L1 has nothing new at the configured finality. */
  record Idle(L1Chain chainAfter, long head) implements L1Step {}
}
