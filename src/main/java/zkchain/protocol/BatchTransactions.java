package zkchain.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A batch's {@code transactions} field: the RLP list of raw signed transactions (PROTOCOL.md §4). */
public final class BatchTransactions {
  private BatchTransactions() {}

  public static final int MAX_BYTES = 120_000;

  /** Encodes raw transactions; refuses what the protocol would not accept as a batch. */
  public static byte[] encode(List<byte[]> rawTransactions) {
    byte[] encoded = Rlp.encodeList(rawTransactions.stream().map(Rlp::encodeString).toList());
    if (encoded.length > MAX_BYTES) {
      throw new IllegalArgumentException("batch transactions are " + encoded.length + " bytes, over the "
          + MAX_BYTES + "-byte limit");
    }
    return encoded;
  }

  /**
   * The raw transactions, or empty when the bytes are not an RLP list of byte strings within
   * the size limit; such a batch's transactions are all skipped as malformed. Never throws.
   */
  public static Optional<List<byte[]>> decode(byte[] transactions) {
    if (transactions.length > MAX_BYTES) return Optional.empty();
    try {
      List<byte[]> raw = new ArrayList<>();
      for (Rlp.Item item : Rlp.list(Rlp.decode(transactions), "batch transactions").items()) {
        raw.add(Rlp.bytes(item, "a batch transaction"));
      }
      return Optional.of(raw);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
