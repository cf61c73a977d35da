package zkchain.sequencer;

import zkchain.execution.Account;
import zkchain.execution.ChainConfig;
import zkchain.execution.Executor;
import zkchain.execution.NodeStore;
import zkchain.execution.TransactionOutcome;
import zkchain.execution.WorldState;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;
import zkchain.protocol.TransactionDecoder;

/**
 * The sequencer's pending state: the state after the last closed batch plus every transaction
 * admitted to the open batch. A transaction is admitted only if the §2 rules would apply it here,
 * so every transaction of a closed batch applies when the batch executes.
 *
 * <p>Admission runs the Executor's own rules ({@link Executor#apply}) on the pending world state,
 * so the sequencer and every node judge a transaction by the same code. Reads go through the
 * node store (blocking); not thread-safe: one owner, the batch sequencer actor.
 */
public final class PendingState {
  private final NodeStore store;
  private final ChainConfig chain;
  private final Address coinbase;
  private WorldState state;
  private int admitted;

  private PendingState(NodeStore store, ChainConfig chain, Address coinbase, Hash32 root) {
    this.store = store;
    this.chain = chain;
    this.coinbase = coinbase;
    this.state = WorldState.open(store, root);
  }

  /** The pending state of an empty open batch on top of the state at {@code root}. */
  public static PendingState open(NodeStore store, ChainConfig chain, Address coinbase, Hash32 root) {
    return new PendingState(store, chain, coinbase, root);
  }

  /** Checks {@code raw} against rules 1–7 and, when it would apply, applies it to the pending state. */
  public Admission admit(byte[] raw) {
    TransactionDecoder.Decoded decoded = TransactionDecoder.decode(raw, chain.chainId());
    TransactionOutcome outcome = Executor.apply(admitted, decoded, state, coinbase);
    if (outcome instanceof TransactionOutcome.Skipped skipped) {
      return Admission.Refused.skipped(skipped.hash(), skipped.reason(), skipped.detail());
    }
    admitted++;
    return new Admission.Admitted(outcome.hash());
  }

  /** The account as the next admitted transaction would see it. */
  public Account account(Address address) {
    return state.account(address);
  }

  /** The state root the closed batch must execute to; the pending state then starts from it, empty. */
  public Hash32 seal() {
    Hash32 root = state.commit();
    // a committed WorldState still answers reads from its parent's values: start a fresh one
    state = WorldState.open(store, root);
    admitted = 0;
    return root;
  }

  /** The root of the last sealed state: the last closed batch's. */
  public Hash32 parentRoot() {
    return state.parentRoot();
  }
}
