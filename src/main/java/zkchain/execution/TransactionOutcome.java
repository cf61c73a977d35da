package zkchain.execution;

import java.math.BigInteger;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;
import zkchain.protocol.SkipReason;

/** What became of one transaction of a batch, by its index in the batch. */
public sealed interface TransactionOutcome permits TransactionOutcome.Applied, TransactionOutcome.Skipped {
  int index();

  Hash32 hash();

  /** {@code fee} = 21000 · effective gas price, paid by the sender to the batch's coinbase. */
  record Applied(int index, Hash32 hash, Address sender, Address to, BigInteger value, BigInteger fee)
      implements TransactionOutcome {}

  /** {@code detail} is for logs; {@code reason} is the protocol's word. */
  record Skipped(int index, Hash32 hash, SkipReason reason, String detail) implements TransactionOutcome {}
}
