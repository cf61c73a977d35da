package zkchain.execution;

import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;

/** The outcome of executing one batch on its parent state. */
public record ExecutionResult(
    long batchNumber,
    Hash32 parentRoot,
    Hash32 stateRoot,
    List<TransactionOutcome> outcomes,
    Map<Address, WorldState.AccountChange> accountChanges) {

  public ExecutionResult {
    outcomes = List.copyOf(outcomes);
    // keeps the order accounts were first touched in, for logs and read models
    accountChanges = Collections.unmodifiableMap(new LinkedHashMap<>(accountChanges));
  }

  public List<TransactionOutcome.Applied> applied() {
    return outcomes.stream().filter(o -> o instanceof TransactionOutcome.Applied)
        .map(o -> (TransactionOutcome.Applied) o).toList();
  }

  public List<TransactionOutcome.Skipped> skipped() {
    return outcomes.stream().filter(o -> o instanceof TransactionOutcome.Skipped)
        .map(o -> (TransactionOutcome.Skipped) o).toList();
  }

  /** Everything the coinbase received. */
  public BigInteger fees() {
    return applied().stream().map(TransactionOutcome.Applied::fee).reduce(BigInteger.ZERO, BigInteger::add);
  }
}
