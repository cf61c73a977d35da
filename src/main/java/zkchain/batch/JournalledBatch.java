package zkchain.batch;

import java.util.List;
import java.util.Map;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.Hash32;

/**
 * A batch as its journal has it, read back from its events alone (no entity asked): the state its
 * events lead to, and the transactions of its current data, which the events hold and the state
 * does not. What replay re-executes and checks.
 *
 * @param events the batch's events, in order
 * @param state the state the events lead to, through the entity's own transitions
 * @param transactions the current data's transactions; null when the batch has no current data
 */
public record JournalledBatch(long number, List<BatchEntity.Event> events, BatchEntity.State state, byte[] transactions) {

  /** Folds the events as the entity's event handler does; names a batch whose events lack its transactions. */
  public static JournalledBatch of(long number, List<BatchEntity.Event> events) {
    BatchEntity.State state = BatchEntity.State.empty(number);
    for (BatchEntity.Event e : events) state = apply(state, e);
    BatchEntity.BatchData data = state.current().data();
    byte[] transactions = null;
    if (data != null) {
      Map<Hash32, byte[]> held = BatchJournal.transactionsOf(events);
      transactions = held.get(data.transactionsHash());
      if (transactions == null) {
        throw new IllegalStateException("the journal of batch " + number + " holds no transactions with keccak "
            + data.transactionsHash() + ", which its events name");
      }
    }
    return new JournalledBatch(number, List.copyOf(events), state, transactions);
  }

  static BatchEntity.State apply(BatchEntity.State s, BatchEntity.Event e) {
    if (e instanceof BatchEntity.TrustedRecorded t) return s.trustedRecorded(t);
    if (e instanceof BatchEntity.Virtualized v) return s.virtualized(v);
    if (e instanceof BatchEntity.Consolidated c) return s.consolidated(c);
    if (e instanceof BatchEntity.StateRootMismatched m) return s.stateRootMismatched(m);
    if (e instanceof BatchEntity.TrustedDiscarded d) return s.trustedDiscarded(d);
    if (e instanceof BatchEntity.L1BlockUndone u) return s.l1BlockUndone(u);
    throw new IllegalArgumentException("unknown batch event " + e.getClass().getName());
  }

  public BatchEntity.Stage stage() {
    return state.stage();
  }

  /** Whether the batch has data to execute: Trusted, Virtual or Consolidated. */
  public boolean hasData() {
    return stage() != BatchEntity.Stage.NONE;
  }

  /** The protocol batch of the current data (Virtual where L1 sequenced it, Trusted otherwise). */
  public Batch batch() {
    BatchEntity.BatchData d = state.current().data();
    return new Batch(number, transactions, d.timestamp(), Address.of(d.coinbase()));
  }

  public BatchEntity.BatchData data() {
    return state.current().data();
  }

  public Hash32 stateRoot() {
    return Hash32.of(state.current().stateRoot());
  }

  public Hash32 accInputHash() {
    return Hash32.of(state.current().accInputHash());
  }

  /** The root L1 verified for this batch, where it ends a verified range; null otherwise. */
  public Hash32 verifiedRoot() {
    String root = state.current().verifiedRoot();
    return root == null ? null : Hash32.of(root);
  }
}
