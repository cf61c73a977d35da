package zkchain.sequencer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;
import zkchain.protocol.Hash32;

/**
 * The admitted transactions of the open batch, {@code sequencer_pending_tx(seq, hash, raw)}: a
 * transaction is written here before eth_sendRawTransaction answers with its hash, and leaves in
 * the database transaction that closes its batch ({@link SequencerBatchStore#close}). After a
 * restart they are admitted again in {@code seq} order. Blocking JDBC, on the sequencer's dispatcher.
 */
public final class PendingTransactionStore {
  /** An admitted transaction; {@code seq} orders admissions across restarts. */
  public record PendingTransaction(long seq, byte[] raw) {
    public PendingTransaction {
      raw = raw.clone();
    }

    @Override
    public byte[] raw() {
      return raw.clone();
    }

    public Hash32 hash() {
      return Hash32.keccak(raw);
    }

    // Records compare arrays by identity; an admitted transaction is its seq and bytes.
    @Override
    public boolean equals(Object o) {
      return o instanceof PendingTransaction t && seq == t.seq && Arrays.equals(raw, t.raw);
    }

    @Override
    public int hashCode() {
      return 31 * Long.hashCode(seq) + Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
      return "PendingTransaction[seq " + seq + ", " + hash() + "]";
    }
  }

  private final DataSource dataSource;

  public PendingTransactionStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Persists {@code admitted} in one JDBC batch and one commit: the group commit of admissions. */
  public void append(List<PendingTransaction> admitted) {
    if (admitted.isEmpty()) return;
    String sql = "INSERT INTO sequencer_pending_tx (seq, hash, raw) VALUES (?, ?, ?)";
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement st = c.prepareStatement(sql)) {
        for (PendingTransaction tx : admitted) {
          st.setLong(1, tx.seq());
          st.setString(2, tx.hash().hex());
          st.setBytes(3, tx.raw);
          st.addBatch();
        }
        st.executeBatch();
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot persist " + admitted.size() + " admitted transactions (seq "
          + admitted.get(0).seq() + " on): " + e.getMessage(), e);
    }
  }

  /** Every persisted admitted transaction, in admission order. */
  public List<PendingTransaction> all() {
    String sql = "SELECT seq, raw FROM sequencer_pending_tx ORDER BY seq";
    try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql);
        ResultSet rs = st.executeQuery()) {
      List<PendingTransaction> out = new ArrayList<>();
      while (rs.next()) out.add(new PendingTransaction(rs.getLong(1), rs.getBytes(2)));
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the admitted transactions: " + e.getMessage(), e);
    }
  }

  /** Within the caller's database transaction: the admitted transactions up to {@code seq} are in a batch now. */
  static void deleteThrough(Connection c, long seq) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("DELETE FROM sequencer_pending_tx WHERE seq <= ?")) {
      st.setLong(1, seq);
      st.executeUpdate();
    }
  }

  /** Within the caller's database transaction: these transactions are in a batch recovered from L1. */
  static void delete(Connection c, Collection<Hash32> hashes) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("DELETE FROM sequencer_pending_tx WHERE hash = ?")) {
      for (Hash32 hash : hashes) {
        st.setString(1, hash.hex());
        st.addBatch();
      }
      st.executeBatch();
    }
  }
}
