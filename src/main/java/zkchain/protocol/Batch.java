package zkchain.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * One batch (PROTOCOL.md §4). {@code transactions} is carried as received: whatever the bytes,
 * executing the batch skips what does not decode ({@link BatchTransactions}).
 */
public record Batch(long number, byte[] transactions, long timestamp, Address coinbase) {
  public Batch {
    Objects.requireNonNull(coinbase, "coinbase");
    transactions = transactions.clone();
  }

  @Override
  public byte[] transactions() {
    return transactions.clone();
  }

  public Hash32 transactionsHash() {
    return Hash32.keccak(transactions);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Batch b && number == b.number && timestamp == b.timestamp && coinbase.equals(b.coinbase)
        && Arrays.equals(transactions, b.transactions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(number, timestamp, coinbase, Arrays.hashCode(transactions));
  }

  @Override
  public String toString() {
    return "Batch[number=" + number + ", timestamp=" + timestamp + ", coinbase=" + coinbase
        + ", transactions=" + transactions.length + " bytes]";
  }
}
