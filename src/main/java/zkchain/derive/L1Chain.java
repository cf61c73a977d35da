package zkchain.derive;

import java.util.ArrayList;
import java.util.List;

/**
 * The L1 blocks the node has processed and may still have to undo: every block with a rollup
 * event, plus the last block of each range read, within the reorg window. Immutable; oldest
 * first, so the last block is the tip. The first block always stays as the floor of the window.
 */
public record L1Chain(List<L1Block> blocks) {
  public L1Chain {
    if (blocks.isEmpty()) throw new IllegalArgumentException("an L1 chain starts at a block");
    blocks = List.copyOf(blocks);
  }

  public static L1Chain startingAt(L1Block block) {
    return new L1Chain(List.of(block));
  }

  public L1Block tip() {
    return blocks.get(blocks.size() - 1);
  }

  /** Appends blocks above the tip and forgets those that fell out of the reorg window. */
  public L1Chain extend(List<L1Block> newer, int window) {
    List<L1Block> all = new ArrayList<>(blocks);
    for (L1Block b : newer) {
      if (b.number() <= all.get(all.size() - 1).number()) {
        throw new IllegalArgumentException("block " + b.number() + " is not above the tip " + tip().number());
      }
      all.add(b);
    }
    long floor = all.get(all.size() - 1).number() - window;
    int firstKept = 0;
    while (firstKept < all.size() - 1 && all.get(firstKept + 1).number() <= floor) firstKept++;
    return new L1Chain(all.subList(firstKept, all.size()));
  }

  /** The chain up to and including the block at {@code number}. */
  public L1Chain truncateAfter(long number) {
    return new L1Chain(blocks.stream().filter(b -> b.number() <= number).toList());
  }

  /** Blocks above {@code number}: what an L1 reorg down to that ancestor orphans. */
  public List<L1Block> above(long number) {
    return blocks.stream().filter(b -> b.number() > number).toList();
  }
}
