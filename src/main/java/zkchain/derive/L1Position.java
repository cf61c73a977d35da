package zkchain.derive;

import java.util.List;
import java.util.TreeMap;
import zkchain.l1.L1Deployment;
import zkchain.protocol.Hash32;

/**
 * Where L1 derivation stands, and where a (re)started derivation begins: the processed L1 blocks
 * it may still have to undo (oldest first) and the view of the rollup after each of them.
 */
public record L1Position(List<L1Block> chain, TreeMap<Long, L1View> checkpoints) {
  public L1Position {
    chain = List.copyOf(chain);
    checkpoints = new TreeMap<>(checkpoints);
  }

  /** At the deployment block: the genesis, nothing sequenced, the deployed trusted sequencer. */
  public static L1Position atDeployment(L1Deployment d) {
    return at(new L1Block(d.deployBlock(), d.deployBlockHash()),
        new L1View(0, d.genesisRoot(), Hash32.ZERO.hex(), 0, d.trustedSequencer()));
  }

  /** At one processed block with the view after it. */
  public static L1Position at(L1Block block, L1View view) {
    TreeMap<Long, L1View> checkpoints = new TreeMap<>();
    checkpoints.put(block.number(), view);
    return new L1Position(List.of(block), checkpoints);
  }

  /** After a planned step: its chain and the views with it. */
  public static L1Position after(BatchExecution.Planned planned) {
    return new L1Position(planned.step().chainAfter().blocks(), new TreeMap<>(planned.checkpoints()));
  }

  public L1Chain l1Chain() {
    return new L1Chain(chain);
  }
}
