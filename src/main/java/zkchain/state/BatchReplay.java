package zkchain.state;

import java.util.ArrayList;
import java.util.List;
import zkchain.batch.BatchEntity;
import zkchain.batch.JournalledBatch;
import zkchain.execution.ExecutionResult;
import zkchain.execution.TransactionOutcome;
import zkchain.execution.Executor;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Hash32;

/**
 * One batch replayed from its journal: its current data re-executed on its parent's root, and the
 * recomputed state root and accInputHash checked against those its events recorded and, for a
 * Consolidated batch that ends a verified range, the root L1 verified. Pure but for the executor's
 * node store.
 *
 * @param outcomes what became of each of its transactions (applied, or skipped and why)
 * @param divergences what differs, in words; empty when the batch replays as journalled
 */
public record BatchReplay(
    JournalledBatch batch,
    Hash32 parentRoot,
    Hash32 stateRoot,
    Hash32 accInputHash,
    List<TransactionOutcome> outcomes,
    List<String> divergences) {

  public int transactions() {
    return outcomes.size();
  }

  public long number() {
    return batch.number();
  }

  public boolean diverges() {
    return !divergences.isEmpty();
  }

  /** Re-executes {@code prepared} (the batch's data, senders recovered) on the parent's root and checks it. */
  public static BatchReplay of(JournalledBatch batch, Executor.Prepared prepared, Executor executor, Hash32 parentRoot,
                               Hash32 parentAccInputHash) {
    ExecutionResult result = executor.execute(parentRoot, prepared);
    Hash32 acc = AccInputHash.next(parentAccInputHash, prepared.batch());
    List<String> divergences = new ArrayList<>();
    if (!result.stateRoot().equals(batch.stateRoot())) {
      divergences.add("state root: journalled " + batch.stateRoot().hex() + ", recomputed " + result.stateRoot().hex());
    }
    if (!acc.equals(batch.accInputHash())) {
      divergences.add("accInputHash: journalled " + batch.accInputHash().hex() + ", recomputed " + acc.hex());
    }
    Hash32 verified = batch.verifiedRoot();
    if (batch.stage() == BatchEntity.Stage.CONSOLIDATED && verified != null && !verified.equals(result.stateRoot())) {
      divergences.add("state root verified on L1 " + verified.hex() + ", recomputed " + result.stateRoot().hex());
    }
    return new BatchReplay(batch, parentRoot, result.stateRoot(), acc, result.outcomes(), List.copyOf(divergences));
  }

  /** A batch whose journal cannot even be read back into data (an event names transactions no event holds). */
  public static BatchReplay unreadable(long number, Hash32 parentRoot, String why) {
    return new BatchReplay(new JournalledBatch(number, List.of(), BatchEntity.State.empty(number), null), parentRoot,
        null, null, List.of(), List.of(why));
  }
}
