package zkchain.l1;

import java.util.Arrays;
import org.web3j.utils.Numeric;

/**
 * The contract's {@code BatchData} struct: one batch as sequenced on L1 (PROTOCOL.md §5). Its
 * number and coinbase come from the sequencing call, not from the struct.
 *
 * @param transactions the batch's transactions bytes (RLP list of raw transactions, §4)
 * @param timestamp uint64 seconds, unsigned
 */
public record BatchData(byte[] transactions, long timestamp) {
  public BatchData {
    transactions = transactions.clone();
  }

  @Override
  public byte[] transactions() {
    return transactions.clone();
  }

  // Records compare arrays by identity; a batch is its bytes.
  @Override
  public boolean equals(Object o) {
    return o instanceof BatchData b && timestamp == b.timestamp && Arrays.equals(transactions, b.transactions);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(transactions) + Long.hashCode(timestamp);
  }

  @Override
  public String toString() {
    return "BatchData[transactions=" + transactions.length + " bytes " + Numeric.toHexString(
        Arrays.copyOf(transactions, Math.min(transactions.length, 16))) + (transactions.length > 16 ? "…" : "")
        + ", timestamp=" + Long.toUnsignedString(timestamp) + "]";
  }
}
