package zkchain.sequencer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import zkchain.protocol.FeedMessage;
import zkchain.protocol.FeedMessage.BatchMessage;

/**
 * The sequencer's closed batches: {@code sequencer_batch(number, message, l1_tx_hash)}, the signed
 * feed message as sent, and the L1 transaction that sequenced the batch once there is one.
 * A batch is written here before anyone sees it, so a restart never re-closes a number.
 * Blocking JDBC: called on the sequencer's dispatcher.
 */
public final class SequencerBatchStore {
  private final DataSource dataSource;

  public SequencerBatchStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Refuses a number already closed: the primary key is the guard against closing it twice. */
  public void insert(BatchMessage closed) {
    String sql = "INSERT INTO sequencer_batch (number, message) VALUES (?, ?)";
    try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
      st.setLong(1, closed.batch().number());
      st.setString(2, closed.toJson());
      st.executeUpdate();
      if (!c.getAutoCommit()) c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot persist closed batch " + closed.batch().number() + ": "
          + e.getMessage(), e);
    }
  }

  /** The last closed batch. */
  public Optional<BatchMessage> last() {
    List<BatchMessage> rows = query("SELECT message FROM sequencer_batch ORDER BY number DESC LIMIT 1");
    return rows.stream().findFirst();
  }

  /** Up to {@code limit} closed batches from {@code number} on, in order. */
  public List<BatchMessage> from(long number, int limit) {
    return query("SELECT message FROM sequencer_batch WHERE number >= ? ORDER BY number LIMIT ?", number, limit);
  }

  /** Records the L1 transaction that sequenced batches [first, last]. */
  public void markSequenced(long first, long last, String l1TxHash) {
    String sql = "UPDATE sequencer_batch SET l1_tx_hash = ? WHERE number BETWEEN ? AND ?";
    try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, l1TxHash);
      st.setLong(2, first);
      st.setLong(3, last);
      st.executeUpdate();
      if (!c.getAutoCommit()) c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record L1 transaction " + l1TxHash + " for batches " + first + ".."
          + last + ": " + e.getMessage(), e);
    }
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
}
