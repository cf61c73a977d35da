package zkchain.http;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import zkchain.execution.JdbcBlockHashes;
import zkchain.execution.TransactionIndex;
import zkchain.protocol.Hash32;

/**
 * The web page's search box: a batch number, a transaction hash or an L2 block hash, answered
 * with the batch to open. Transactions and blocks are found in the node's transaction index and
 * block hashes, which its JSON-RPC keeps ({@code zkchain.rpc.enabled}).
 */
public final class Search {
  /** What the query named, and the batch that holds it; {@code index} is the transaction's place in it. */
  public record Found(String query, String kind, long batch, Integer index) {}

  /** The query is neither a batch number nor a 32-byte hash. */
  public static final class Malformed extends IllegalArgumentException {
    Malformed(String query) {
      super("search for a batch number, a transaction hash or an L2 block hash (0x and 64 hex digits), not '"
          + (query.length() > 80 ? query.substring(0, 80) + "…" : query) + "'");
    }
  }

  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,18}");
  private static final Pattern HASH = Pattern.compile("(0x)?[0-9a-fA-F]{64}");

  private final DataSource dataSource;
  private final JdbcBlockHashes blockHashes;

  public Search(DataSource dataSource) {
    this.dataSource = dataSource;
    this.blockHashes = new JdbcBlockHashes(dataSource);
  }

  /** What was asked: a batch number or a 32-byte hash, as typed (stripped). */
  public record Query(String text, Long number, Hash32 hash) {
    /** @throws Malformed when the text can be neither */
    public static Query parse(String raw) {
      String text = raw.strip();
      if (NUMBER.matcher(text).matches()) return new Query(text, Long.parseLong(text), null);
      if (!HASH.matcher(text).matches()) throw new Malformed(text);
      return new Query(text, null, Hash32.of(text.startsWith("0x") ? text : "0x" + text));
    }
  }

  /** Empty when this node knows nothing by that name. */
  public Optional<Found> find(Query query) {
    if (query.number() != null) {
      long number = query.number();
      return batchKnown(number) ? Optional.of(new Found(query.text(), "batch", number, null)) : Optional.empty();
    }
    Hash32 hash = query.hash();
    List<TransactionIndex.Location> transactions = TransactionIndex.find(dataSource, hash);
    if (!transactions.isEmpty()) {
      TransactionIndex.Location newest = transactions.get(0);
      return Optional.of(new Found(hash.hex(), "transaction", newest.batchNumber(), newest.batchIndex()));
    }
    return blockHashes.byHash(hash).stream().findFirst()
        .map(block -> new Found(hash.hex(), "block", block.number(), null));
  }

  private boolean batchKnown(long number) {
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT 1 FROM batch_stage WHERE number = ?")) {
      ps.setLong(1, number);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot look up batch " + number + ": " + e.getMessage(), e);
    }
  }
}
