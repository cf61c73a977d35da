package zkchain.execution;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Hash32;

/**
 * Every transaction a version of a batch carried, by hash: table {@code l2_transaction}
 * (db/*-schema.sql). A transaction is named by keccak of its bytes, as Ethereum names it, so the
 * index needs no decoding beyond the batch's RLP list. A hash may be in several versions of a
 * batch, or in several batches (a transaction resent after a trusted reorg); the one that counts
 * is in the batch's current version ({@link #find} lists them all).
 */
public final class TransactionIndex {
  /** Where a transaction sits: batch number, the keccak of that version's transactions, its index there. */
  public record Location(Hash32 hash, long batchNumber, Hash32 transactionsHash, int batchIndex) {}

  private TransactionIndex() {}

  /** Rows for every transaction of one batch version; a row already there is left as it is. */
  public static void record(Connection c, long batchNumber, byte[] transactions) throws SQLException {
    List<byte[]> raw = BatchTransactions.decode(transactions).orElse(List.of());
    if (raw.isEmpty()) return;
    boolean h2 = c.getMetaData().getDatabaseProductName().equalsIgnoreCase("H2");
    String sql = h2
        ? "MERGE INTO l2_transaction (hash, batch_number, transactions_hash, batch_index) "
            + "KEY (hash, batch_number, transactions_hash) VALUES (?, ?, ?, ?)"
        : "INSERT INTO l2_transaction (hash, batch_number, transactions_hash, batch_index) VALUES (?, ?, ?, ?) "
            + "ON CONFLICT DO NOTHING";
    byte[] transactionsHash = Hash32.keccak(transactions).bytes();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < raw.size(); i++) {
        ps.setBytes(1, Hash32.keccak(raw.get(i)).bytes());
        ps.setLong(2, batchNumber);
        ps.setBytes(3, transactionsHash);
        ps.setInt(4, i);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** Every batch version that carried the transaction with this hash, the highest batch first. */
  public static List<Location> find(DataSource dataSource, Hash32 hash) {
    String sql = "SELECT batch_number, transactions_hash, batch_index FROM l2_transaction WHERE hash = ? "
        + "ORDER BY batch_number DESC";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setBytes(1, hash.bytes());
      List<Location> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(new Location(hash, rs.getLong(1), new Hash32(rs.getBytes(2)), rs.getInt(3)));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot look up transaction " + hash + ": " + e.getMessage(), e);
    }
  }

  /** The block and outcome of a transaction in the current version of its batch, if it is in one. */
  public static Optional<Found> locate(DataSource dataSource, L2Chain chain, Hash32 hash) {
    for (Location location : find(dataSource, hash)) {
      Optional<L2Chain.Block> block = chain.block(location.batchNumber());
      if (block.isPresent() && block.get().entry().batch().transactionsHash().equals(location.transactionsHash())) {
        Optional<TransactionOutcome> outcome = block.get().outcome(hash);
        if (outcome.isPresent()) return Optional.of(new Found(block.get(), outcome.get()));
      }
    }
    return Optional.empty();
  }

  /** A transaction in its block's batch: applied (then in the block) or skipped. */
  public record Found(L2Chain.Block block, TransactionOutcome outcome) {
    public Optional<L2Block.Included> included() {
      return block.transaction(outcome.hash());
    }
  }
}
