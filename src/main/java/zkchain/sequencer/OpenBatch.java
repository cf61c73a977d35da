package zkchain.sequencer;

import java.util.ArrayList;
import java.util.List;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Rlp;

/**
 * The admitted transactions of the batch being filled, with the size of their encoding tracked as
 * they come so that the batch closes before its transactions field passes the protocol's limit.
 * Immutable; the actor keeps the current one.
 */
public record OpenBatch(List<byte[]> transactions, int payloadBytes) {
  public static final OpenBatch EMPTY = new OpenBatch(List.of(), 0);

  public OpenBatch {
    transactions = List.copyOf(transactions);
  }

  public boolean isEmpty() {
    return transactions.isEmpty();
  }

  public int size() {
    return transactions.size();
  }

  /** Bytes of the RLP list of the transactions: the batch's transactions field. */
  public int encodedBytes() {
    return encodedBytes(payloadBytes);
  }

  /** Whether {@code raw} still fits under the byte limit and {@code maxTransactions}. */
  public boolean fits(byte[] raw, int maxTransactions) {
    return size() < maxTransactions && encodedBytes(payloadBytes + itemBytes(raw)) <= BatchTransactions.MAX_BYTES;
  }

  /** Whether {@code raw} could go into a batch at all, alone. */
  public static boolean fitsAlone(byte[] raw) {
    return encodedBytes(itemBytes(raw)) <= BatchTransactions.MAX_BYTES;
  }

  public OpenBatch add(byte[] raw) {
    List<byte[]> more = new ArrayList<>(transactions);
    more.add(raw.clone());
    return new OpenBatch(more, payloadBytes + itemBytes(raw));
  }

  public byte[] encode() {
    return BatchTransactions.encode(transactions);
  }

  private static int itemBytes(byte[] raw) {
    return Rlp.encodeString(raw).length;
  }

  /** An RLP list header is 1 byte below 56 payload bytes, else 1 plus the payload length's bytes. */
  private static int encodedBytes(int payload) {
    if (payload < 56) return 1 + payload;
    int lengthBytes = (32 - Integer.numberOfLeadingZeros(payload) + 7) / 8;
    return 1 + lengthBytes + payload;
  }
}
