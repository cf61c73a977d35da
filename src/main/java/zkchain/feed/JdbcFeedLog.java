package zkchain.feed;

import akka.NotUsed;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage;
import zkchain.protocol.Hash32;

/**
 * {@link FeedLog} in the node's database, table {@code feed_batch} (db/*-schema.sql).
 *
 * <p>A relay's node keeps the transactions of the batches it took in its journal, so a row keeps
 * only the rest of the signed message (header fields and signature) and the transactions are read
 * back from there ({@link Transactions}); the message is rebuilt field for field, so the feed
 * serves the very JSON it received. A row keeps the whole message where the journal lacks its
 * transactions: a version L1 overrode, or a log that has no journal beside it.
 *
 * <p>Every reader pulls from the table, a page at a time, and only as fast as it is asked; when
 * it has read up to the head it waits for the next append. So a reader holds at most one page,
 * whatever its position, and replay and live delivery are the same read: no gap, no duplicate.
 * An append wakes the readers of this process at once; a reader at the head also looks at the
 * table every {@code poll-interval}, since another member of the cluster (the one running the
 * ingest) may be the writer. There is one writer at a time, as the feed has.
 */
public final class JdbcFeedLog implements FeedLog {
  /** Where the log finds the transactions it does not keep: its node's journal. */
  public interface Transactions {
    /** Whether batch {@code number}'s transactions with this keccak are held there; asked at each append. */
    CompletionStage<Boolean> holds(long number, Hash32 keccak);

    /** Batch {@code number}'s transactions with this keccak, if held. */
    CompletionStage<Optional<byte[]>> find(long number, Hash32 keccak);

    Transactions NONE = new Transactions() {
      @Override
      public CompletionStage<Boolean> holds(long number, Hash32 keccak) {
        return CompletableFuture.completedFuture(false);
      }

      @Override
      public CompletionStage<Optional<byte[]>> find(long number, Hash32 keccak) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
    };
  }

  /** A journal that does not answer fails the append or page instead of holding the feed for good. */
  private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(30);

  private final DataSource dataSource;
  private final Executor blocking;
  private final int pageSize;
  private final Transactions transactions;
  private final long pollMillis;
  private final AtomicLong head;
  private final Object appendLock = new Object();
  /** Completed, and replaced, by each append: what waiting readers wait on. */
  private volatile CompletableFuture<Void> appended = new CompletableFuture<>();
  /** The read of the head in flight or last done: readers at the head share it, one at a time. */
  private CompletableFuture<Void> poll = CompletableFuture.completedFuture(null);

  /**
   * @param blocking where JDBC calls and waits on {@code transactions} run (a blocking-IO
   *     dispatcher), never a stream's thread
   * @param transactions where the transactions of the batches appended are, besides the log
   * @param pollInterval how often a reader at the head looks at the table for another member's appends
   */
  public JdbcFeedLog(DataSource dataSource, Executor blocking, int pageSize, Transactions transactions,
                     Duration pollInterval) {
    if (pageSize < 1) throw new IllegalArgumentException("replay-page-size must be ≥ 1, got " + pageSize);
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("poll-interval must be positive, got " + pollInterval);
    }
    this.dataSource = dataSource;
    this.blocking = blocking;
    this.pageSize = pageSize;
    this.transactions = transactions;
    this.pollMillis = pollInterval.toMillis();
    this.head = new AtomicLong(readHead());
  }

  /** A log that keeps whole messages, looking at the table every 200 ms when at the head. */
  public JdbcFeedLog(DataSource dataSource, Executor blocking, int pageSize) {
    this(dataSource, blocking, pageSize, Transactions.NONE, Duration.ofMillis(200));
  }

  /** With {@code zkchain.feed.log.replay-page-size} and {@code poll-interval} from {@code config}. */
  public JdbcFeedLog(DataSource dataSource, Executor blocking, Config config, Transactions transactions) {
    this(dataSource, blocking, config.getConfig("zkchain.feed.log").getInt("replay-page-size"), transactions,
        config.getConfig("zkchain.feed.log").getDuration("poll-interval"));
  }

  @Override
  public void append(BatchMessage batch) {
    write(batch, false);
  }

  /**
   * As {@link #append}, except that another version of a batch already in the log replaces it, and
   * the batches after it, which followed the version replaced, are dropped: a relay serves the
   * version its node accepted last, as after a trusted reorg the sequencer resends (PROTOCOL.md §7).
   * Readers already past it go on with what is appended next. A message that differs only in its
   * signature is the same version, and the stored one stays.
   *
   * @return whether a version in the log was replaced
   */
  public boolean appendOrReplace(BatchMessage batch) {
    return write(batch, true);
  }

  private boolean write(BatchMessage batch, boolean replace) {
    long number = batch.batch().number();
    boolean keepWhole = !await(transactions.holds(number, batch.batch().transactionsHash()).toCompletableFuture(),
        "asking whether the journal holds the transactions of batch " + number);
    boolean replaced = false;
    synchronized (appendLock) {
      long h = head.get();
      if (number <= h) {
        BatchMessage stored = read(number, 1).stream().findFirst().orElseThrow(() ->
            new IllegalStateException("feed log head is " + h + " but batch " + number + " is not stored"));
        if (stored.equals(batch) || replace && sameVersion(stored, batch)) return false;
        if (!replace) {
          throw new IllegalStateException("batch " + number + " is already in the feed log with a different "
              + "message; refused the new one");
        }
        replaceFrom(batch, keepWhole);
        replaced = true;
      } else if (number != h + 1) {
        throw new IllegalArgumentException("batch " + number + " would leave a gap after the feed log's head " + h
            + "; refused");
      } else {
        insert(batch, keepWhole);
      }
      head.set(number);
    }
    wakeReaders();
    return replaced;
  }

  private static boolean sameVersion(BatchMessage a, BatchMessage b) {
    return a.chainId() == b.chainId() && a.batch().equals(b.batch()) && a.stateRoot().equals(b.stateRoot())
        && a.accInputHash().equals(b.accInputHash());
  }

  @Override
  public long head() {
    return head.get();
  }

  /**
   * Reads the head from the table again: another process may have appended or replaced since
   * (another member of the cluster ran the ingest). A member taking over the writing calls it first.
   */
  public long refreshHead() {
    synchronized (appendLock) {
      head.set(readHead());
      return head.get();
    }
  }

  @Override
  public Source<BatchMessage, NotUsed> from(long number) {
    if (number < 1) throw new IllegalArgumentException("a feed starts at batch 1 or later, not " + number);
    return FeedLog.paged(number, this::nextPage);
  }

  /** The stored batches from {@code next}, or, when there are none yet, nothing once one is appended. */
  private CompletionStage<List<BatchMessage>> nextPage(long next) {
    // Taken before head is read: an append after that read completes this very future.
    CompletableFuture<Void> wake = appended;
    if (head.get() < next) return wake.applyToEither(nextPoll(), ignored -> List.<BatchMessage>of());
    return CompletableFuture.supplyAsync(() -> {
      List<BatchMessage> page = read(next, pageSize);
      // A replacement dropped it between the head check and the read, here or on another member:
      // wait for it to come again.
      if (page.isEmpty() && refreshHead() < next) return List.of();
      if (page.isEmpty() || page.get(0).batch().number() != next) {
        throw new IllegalStateException("feed log head is " + head.get() + " but batch " + next + " is not stored");
      }
      return page;
    }, blocking);
  }

  /**
   * The head read again {@code poll-interval} from now, or the read already scheduled: at most one
   * query per interval however many readers wait. A failed read only ends this wait and the
   * readers wait again: a database that is down is LiveHeads' to report, not each reader's.
   */
  private synchronized CompletableFuture<Void> nextPoll() {
    if (poll.isDone()) {
      poll = CompletableFuture.runAsync(this::refreshHead,
              CompletableFuture.delayedExecutor(pollMillis, java.util.concurrent.TimeUnit.MILLISECONDS, blocking))
          .exceptionally(e -> null);
    }
    return poll;
  }

  private void wakeReaders() {
    CompletableFuture<Void> wake;
    synchronized (appendLock) {
      wake = appended;
      appended = new CompletableFuture<>();
    }
    wake.complete(null);
  }

  /** Up to {@code limit} consecutive batches from {@code first}. */
  private List<BatchMessage> read(long first, int limit) {
    List<Row> rows = new ArrayList<>(limit);
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
             + " FROM feed_batch WHERE number >= ? AND number < ? ORDER BY number")) {
      ps.setLong(1, first);
      ps.setLong(2, first + limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next() && rs.getLong(1) == first + rows.size()) rows.add(Row.read(rs));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the feed log from batch " + first + ": " + e.getMessage(), e);
    }
    // every lookup asked at once, then each awaited in order
    List<CompletableFuture<BatchMessage>> page = rows.stream().map(this::message).toList();
    return page.stream().map(m -> await(m, "reading the feed log from batch " + first)).toList();
  }

  private CompletableFuture<BatchMessage> message(Row row) {
    if (row.whole() != null) return CompletableFuture.completedFuture(row.whole());
    return transactions.find(row.number(), row.transactionsHash()).toCompletableFuture().thenApply(found -> row.with(
        found.orElseThrow(() -> new IllegalStateException("batch " + row.number() + " of the feed log has no "
            + "transactions with keccak " + row.transactionsHash() + " in its node's journal"))));
  }

  private static <T> T await(CompletableFuture<T> future, String what) {
    try {
      return future.get(LOOKUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r
          : new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " had no answer within " + LOOKUP_TIMEOUT.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " was interrupted", e);
    }
  }

  private static final String COLUMNS =
      "number, message, chain_id, batch_timestamp, coinbase, transactions_hash, state_root, acc_input_hash, signature";

  /**
   * One row: the whole message, or its fields but the transactions, whose keccak names them in
   * the journal (what the feed signature signs too, PROTOCOL.md §6).
   */
  private record Row(long number, BatchMessage whole, long chainId, long timestamp, byte[] coinbase,
                     Hash32 transactionsHash, byte[] stateRoot, byte[] accInputHash, byte[] signature) {
    static Row read(ResultSet rs) throws SQLException {
      String message = rs.getString(2);
      if (message != null) {
        return new Row(rs.getLong(1), (BatchMessage) FeedMessage.parse(message), 0, 0, null, null, null, null, null);
      }
      return new Row(rs.getLong(1), null, rs.getLong(3), rs.getLong(4), rs.getBytes(5), new Hash32(rs.getBytes(6)),
          rs.getBytes(7), rs.getBytes(8), rs.getBytes(9));
    }

    BatchMessage with(byte[] transactions) {
      return new BatchMessage(chainId, new Batch(number, transactions, timestamp, new Address(coinbase)),
          new Hash32(stateRoot), new Hash32(accInputHash), signature);
    }
  }

  /** Batch {@code number} in place of the stored one, and nothing after it, in one transaction. */
  private void replaceFrom(BatchMessage batch, boolean keepWhole) {
    long number = batch.batch().number();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM feed_batch WHERE number >= ?")) {
        delete.setLong(1, number);
        delete.executeUpdate();
        insert(c, batch, keepWhole);
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot replace batch " + number + " in the feed log: " + e.getMessage(), e);
    }
  }

  private void insert(BatchMessage batch, boolean keepWhole) {
    try (Connection c = dataSource.getConnection()) {
      insert(c, batch, keepWhole);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot append batch " + batch.batch().number() + " to the feed log: "
          + e.getMessage(), e);
    }
  }

  private static void insert(Connection c, BatchMessage m, boolean keepWhole) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO feed_batch (" + COLUMNS
        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      Batch b = m.batch();
      ps.setLong(1, b.number());
      if (keepWhole) {
        ps.setString(2, m.toJson());
        for (int i = 3; i <= 9; i++) ps.setNull(i, i <= 4 ? Types.BIGINT : Types.VARBINARY);
      } else {
        ps.setNull(2, Types.VARCHAR);
        ps.setLong(3, m.chainId());
        ps.setLong(4, b.timestamp());
        ps.setBytes(5, b.coinbase().bytes());
        ps.setBytes(6, b.transactionsHash().bytes());
        ps.setBytes(7, m.stateRoot().bytes());
        ps.setBytes(8, m.accInputHash().bytes());
        ps.setBytes(9, m.signature());
      }
      ps.executeUpdate();
    }
  }

  private long readHead() {
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT MAX(number) FROM feed_batch");
         ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the feed log's head: " + e.getMessage(), e);
    }
  }
}
