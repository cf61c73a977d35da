package zkchain.sequencer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import zkchain.execution.TransactionIndex;
import zkchain.l1.L1Sender.SignedTransaction;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage;
import zkchain.protocol.Hash32;

/**
 * The sequencer's closed batches: {@code sequencer_batch(number, message, l1_tx_hash)}, the signed
 * feed message as sent, and the L1 transaction that sequenced the batch once there is one; and
 * {@code sequencer_l1_tx}, the one sequenceBatches transaction in flight on L1.
 * A batch is written here before anyone sees it, so a restart never re-closes a number; a
 * sequencing transaction is written here before L1 sees it, so a restart never sends its batches
 * in another one. Blocking JDBC: called on the sequencer's dispatcher.
 */
public final class SequencerBatchStore {
  private final DataSource dataSource;

  public SequencerBatchStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Refuses a number already closed: the primary key is the guard against closing it twice. */
  public void insert(BatchMessage closed) {
    inTransaction("cannot persist closed batch " + closed.batch().number(), c -> insert(c, closed, null));
  }

  /**
   * Persists a closed batch and, in the same database transaction, removes its admitted
   * transactions (seq up to {@code pendingThroughSeq}) from the pending ones: a crash leaves
   * each transaction either pending or in the batch, never both and never neither.
   */
  public void close(BatchMessage closed, long pendingThroughSeq) {
    inTransaction("cannot persist closed batch " + closed.batch().number(), c -> {
      insert(c, closed, null);
      PendingTransactionStore.deleteThrough(c, pendingThroughSeq);
    });
  }

  /**
   * Persists a batch rebuilt from L1's {@code l1TxHash}, already sequenced, and removes its
   * transactions from the pending ones in the same database transaction.
   */
  public void recovered(BatchMessage batch, String l1TxHash, List<Hash32> transactions) {
    inTransaction("cannot persist batch " + batch.batch().number() + " recovered from L1", c -> {
      insert(c, batch, l1TxHash);
      PendingTransactionStore.delete(c, transactions);
    });
  }

  /** The last closed batch. */
  public Optional<BatchMessage> last() {
    List<BatchMessage> rows = query("SELECT message FROM sequencer_batch ORDER BY number DESC LIMIT 1");
    return rows.stream().findFirst();
  }

  /** Closed batch {@code number}, if it is closed. */
  public Optional<BatchMessage> get(long number) {
    return query("SELECT message FROM sequencer_batch WHERE number = ?", number).stream().findFirst();
  }

  /** Up to {@code limit} closed batches from {@code number} on, in order. */
  public List<BatchMessage> from(long number, int limit) {
    return query("SELECT message FROM sequencer_batch WHERE number >= ? ORDER BY number LIMIT ?", number, limit);
  }

  /** Records the L1 transaction that sequenced batches [first, last]. */
  public void markSequenced(long first, long last, String l1TxHash) {
    inTransaction("cannot record L1 transaction " + l1TxHash + " for batches " + first + ".." + last,
        c -> markSequenced(c, first, last, l1TxHash));
  }

  // ---- the sequencing transaction in flight ----

  /** The sequenceBatches transaction in flight, if any. */
  Optional<SequencingTransaction> inFlight() {
    String sql = "SELECT tx_hash, nonce, raw, first_batch, last_batch FROM sequencer_l1_tx";
    try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql);
        ResultSet rs = st.executeQuery()) {
      if (!rs.next()) return Optional.empty();
      return Optional.of(new SequencingTransaction(new SignedTransaction(rs.getString(1), rs.getLong(2),
          rs.getBytes(3)), rs.getLong(4), rs.getLong(5)));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the sequencing transaction in flight: " + e.getMessage(), e);
    }
  }

  /** Records {@code tx} as the one in flight, in place of any other: call it before broadcasting tx. */
  void recordInFlight(SequencingTransaction tx) {
    inTransaction("cannot record sequencing transaction " + tx.signed().hash(), c -> {
      forgetInFlight(c);
      String sql = "INSERT INTO sequencer_l1_tx (nonce, tx_hash, raw, first_batch, last_batch) VALUES (?, ?, ?, ?, ?)";
      try (PreparedStatement st = c.prepareStatement(sql)) {
        st.setLong(1, tx.signed().nonce());
        st.setString(2, tx.signed().hash());
        st.setBytes(3, tx.signed().raw());
        st.setLong(4, tx.firstBatch());
        st.setLong(5, tx.lastBatch());
        st.executeUpdate();
      }
    });
  }

  /** {@code tx} was mined: its batches are sequenced, and nothing is in flight any more. */
  void sequenced(SequencingTransaction tx) {
    inTransaction("cannot record L1 transaction " + tx.signed().hash() + " for batches " + tx.batches(), c -> {
      markSequenced(c, tx.firstBatch(), tx.lastBatch(), tx.signed().hash());
      forgetInFlight(c);
    });
  }

  /** Nothing is in flight: {@code tx} failed, or another transaction took its nonce. */
  void forgetInFlight() {
    inTransaction("cannot clear the sequencing transaction in flight", SequencerBatchStore::forgetInFlight);
  }

  /** The L1 transaction recorded for a batch, if it is known to be sequenced. */
  public Optional<String> l1TxHash(long number) {
    String sql = "SELECT l1_tx_hash FROM sequencer_batch WHERE number = ?";
    try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
      st.setLong(1, number);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read batch " + number + ": " + e.getMessage(), e);
    }
  }

  private List<BatchMessage> query(String sql, Object... params) {
    try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) st.setObject(i + 1, params[i]);
      List<BatchMessage> out = new ArrayList<>();
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) out.add((BatchMessage) FeedMessage.parse(rs.getString(1)));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read closed batches: " + e.getMessage(), e);
    }
  }

  private static void insert(Connection c, BatchMessage closed, String l1TxHash) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(
        "INSERT INTO sequencer_batch (number, message, l1_tx_hash) VALUES (?, ?, ?)")) {
      st.setLong(1, closed.batch().number());
      st.setString(2, closed.toJson());
      st.setString(3, l1TxHash);
      st.executeUpdate();
    }
    // the same database transaction: a closed batch's transactions are found by hash at once
    TransactionIndex.record(c, closed.batch().number(), closed.batch().transactions());
  }

  private static void markSequenced(Connection c, long first, long last, String l1TxHash) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(
        "UPDATE sequencer_batch SET l1_tx_hash = ? WHERE number BETWEEN ? AND ?")) {
      st.setString(1, l1TxHash);
      st.setLong(2, first);
      st.setLong(3, last);
      st.executeUpdate();
    }
  }

  private static void forgetInFlight(Connection c) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("DELETE FROM sequencer_l1_tx")) {
      st.executeUpdate();
    }
  }

  private interface Work {
    void run(Connection c) throws SQLException;
  }

  /** Runs {@code work} in one database transaction: all of it is committed, or none. */
  private void inTransaction(String failure, Work work) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        work.run(c);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(failure + ": " + e.getMessage(), e);
    }
  }
}
