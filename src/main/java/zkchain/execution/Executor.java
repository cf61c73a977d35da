package zkchain.execution;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Hash32;
import zkchain.protocol.SkipReason;
import zkchain.protocol.Transaction;
import zkchain.protocol.TransactionDecoder.Decoded;
import zkchain.protocol.TransactionDecoder;

/**
 * The state transition of PROTOCOL.md §2: executes a batch on the state at its parent root and
 * returns the new root. Deterministic and total: whatever the batch carries, the result is a
 * root and one outcome per transaction; only a failing node store can make it throw.
 *
 * <p>Decoding and sender recovery (the costly part, an ECDSA recovery each) need no state and
 * run in parallel; the state rules and the writes run in batch order on one thread.
 */
public final class Executor {
  private final NodeStore store;
  private final ChainConfig chain;
  private final Observer observer;

  /** Told of every batch executed and how long its state transition took (metrics). */
  @FunctionalInterface
  public interface Observer {
    Observer NONE = (result, nanos) -> {};

    void executed(ExecutionResult result, long nanos);
  }

  public Executor(NodeStore store, ChainConfig chain) {
    this(store, chain, Observer.NONE);
  }

  public Executor(NodeStore store, ChainConfig chain, Observer observer) {
    this.store = store;
    this.chain = chain;
    this.observer = observer;
  }

  /**
   * A batch with rules 1–4 checked and every sender recovered: the part of execution that needs no
   * state, so the batches after the one being applied can be prepared meanwhile, in parallel.
   * {@code transactions} is empty when the field is not an RLP list of byte strings.
   */
  public record Prepared(Batch batch, Optional<List<Decoded>> transactions) {}

  public ExecutionResult execute(Hash32 parentRoot, Batch batch) {
    return execute(parentRoot, prepare(batch));
  }

  /** Decodes the batch and recovers its senders (in parallel); pure and thread-safe. */
  public Prepared prepare(Batch batch) {
    return new Prepared(batch, BatchTransactions.decode(batch.transactions()).map(this::recoverSenders));
  }

  /** Rules 5–7 and the transfers, in batch order, on the state at {@code parentRoot}. */
  public ExecutionResult execute(Hash32 parentRoot, Prepared prepared) {
    long start = System.nanoTime();
    ExecutionResult result = transition(parentRoot, prepared);
    observer.executed(result, System.nanoTime() - start);
    return result;
  }

  private ExecutionResult transition(Hash32 parentRoot, Prepared prepared) {
    Batch batch = prepared.batch();
    WorldState state = WorldState.open(store, parentRoot);
    if (prepared.transactions().isEmpty()) {
      // nothing to split into transactions: the whole field is the one malformed entry
      TransactionOutcome whole = new TransactionOutcome.Skipped(0, batch.transactionsHash(), SkipReason.MALFORMED,
          "batch transactions are not an RLP list of byte strings within " + BatchTransactions.MAX_BYTES + " bytes");
      return new ExecutionResult(batch.number(), parentRoot, parentRoot, List.of(whole), state.changes());
    }
    List<Decoded> decoded = prepared.transactions().get();
    List<TransactionOutcome> outcomes = new ArrayList<>(decoded.size());
    for (int i = 0; i < decoded.size(); i++) {
      outcomes.add(apply(i, decoded.get(i), state, batch.coinbase()));
    }
    Hash32 root = state.commit();
    return new ExecutionResult(batch.number(), parentRoot, root, outcomes, state.changes());
  }

  /** Rules 1–4 for every transaction, in parallel; the list keeps batch order. */
  public List<Decoded> recoverSenders(List<byte[]> rawTransactions) {
    long chainId = chain.chainId();
    return rawTransactions.parallelStream().map(tx -> TransactionDecoder.decode(tx, chainId)).toList();
  }

  /**
   * Rules 5–7, then the transfer. Public so the sequencer's admission applies exactly these
   * rules to its pending state rather than a copy of them.
   */
  public static TransactionOutcome apply(int index, Decoded decoded, WorldState state, Address coinbase) {
    if (decoded instanceof TransactionDecoder.Invalid invalid) {
      return new TransactionOutcome.Skipped(index, invalid.hash(), invalid.reason(), invalid.detail());
    }
    Transaction tx = ((TransactionDecoder.Valid) decoded).transaction();
    Account sender = state.account(tx.sender());
    if (!tx.nonce().equals(BigInteger.valueOf(sender.nonce()))) {
      return skip(index, tx, SkipReason.NONCE, "nonce " + tx.nonce() + ", sender " + tx.sender() + " is at " + sender.nonce());
    }
    if (!tx.feeCapCoversTip()) {
      return skip(index, tx, SkipReason.FEE_CAP,
          "maxFeePerGas " + tx.maxFeePerGas() + " < maxPriorityFeePerGas " + tx.maxPriorityFeePerGas());
    }
    if (sender.balance().compareTo(tx.maxCost()) < 0) {
      return skip(index, tx, SkipReason.BALANCE, "balance " + sender.balance() + " < " + tx.maxCost());
    }
    BigInteger fee = tx.fee();
    state.touch(tx.sender(), new Account(sender.nonce() + 1, sender.balance().subtract(tx.value()).subtract(fee)));
    Account to = state.account(tx.to());
    state.touch(tx.to(), to.withBalance(to.balance().add(tx.value())));
    // the coinbase is touched even by a zero fee, as in Ethereum: an empty coinbase is then removed
    Account cb = state.account(coinbase);
    state.touch(coinbase, cb.withBalance(cb.balance().add(fee)));
    return new TransactionOutcome.Applied(index, tx.hash(), tx.sender(), tx.to(), tx.value(), fee);
  }

  private static TransactionOutcome skip(int index, Transaction tx, SkipReason reason, String detail) {
    return new TransactionOutcome.Skipped(index, tx.hash(), reason, detail);
  }
}
