package zkchain.derive;

import java.util.LinkedHashMap;
import java.util.Map;
import zkchain.l1.RollupEvent;
import zkchain.l1.SequenceBatchesCalldata;
import zkchain.l1.ZkChainRollup;

/**
 * Reads the batch data of every SequenceBatches event from the calldata of the L1 transaction
 * that emitted it (PROTOCOL.md §5): the node trusts no one for Virtual batches.
 */
public final class CalldataRetrieval {
  private final ZkChainRollup rollup;

  public CalldataRetrieval(ZkChainRollup rollup) {
    this.rollup = rollup;
  }

  /** An L1 step with the decoded sequenceBatches calls of its events, by L1 transaction hash. */
  public record Retrieved(L1Step step, Map<String, SequenceBatchesCalldata.Valid> calldata) {}

  /** Blocking (eth_getTransactionByHash per sequencing transaction). */
  public Retrieved read(L1Step step) {
    Map<String, SequenceBatchesCalldata.Valid> calls = new LinkedHashMap<>();
    if (step instanceof L1Step.Advance advance) {
      for (RollupEvent event : advance.events()) {
        if (!(event instanceof RollupEvent.SequenceBatches s) || calls.containsKey(s.log().txHash())) continue;
        SequenceBatchesCalldata.Decoded decoded = rollup.sequencedCalldata(s.log().txHash());
        if (decoded instanceof SequenceBatchesCalldata.Invalid invalid) {
          // The contract accepted the call, so its data exists; it was not a direct call we can decode.
          throw new IllegalStateException("cannot read the batches of SequenceBatches up to batch " + s.numBatch()
              + " from L1 tx " + s.log().txHash() + ": " + invalid.reason());
        }
        calls.put(s.log().txHash(), (SequenceBatchesCalldata.Valid) decoded);
      }
    }
    return new Retrieved(step, calls);
  }
}
