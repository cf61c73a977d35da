package zkchain.feed;

import akka.NotUsed;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.FeedMessage;

/**
 * {@link FeedLog} in the node's database, table {@code feed_batch} (db/*-schema.sql).
 *
 * <p>Every reader pulls from the table, a page at a time, and only as fast as it is asked; when
 * it has read up to the head it waits for the next append. So a reader holds at most one page,
 * whatever its position, and replay and live delivery are the same read: no gap, no duplicate.
 * An append wakes the readers of this process at once; a reader at the head also looks at the
 * table every {@code poll-interval}, since another member of the cluster (the one running the
 * ingest) may be the writer. There is one writer at a time, as the feed has.
 */
public final class JdbcFeedLog implements FeedLog {
  private final DataSource dataSource;
  private final Executor blocking;
  private final int pageSize;
  private final long pollMillis;
  private final AtomicLong head;
  private final Object appendLock = new Object();
  /** Completed, and replaced, by each append: what waiting readers wait on. */
  private volatile CompletableFuture<Void> appended = new CompletableFuture<>();
  /** The read of the head in flight or last done: readers at the head share it, one at a time. */
  private CompletableFuture<Void> poll = CompletableFuture.completedFuture(null);

  /** @param blocking where JDBC calls run (a blocking-IO dispatcher), never a stream's thread */
  public JdbcFeedLog(DataSource dataSource, Executor blocking, int pageSize) {
    this(dataSource, blocking, pageSize, java.time.Duration.ofMillis(200));
  }

  public JdbcFeedLog(DataSource dataSource, Executor blocking, int pageSize, java.time.Duration pollInterval) {
    if (pageSize < 1) throw new IllegalArgumentException("replay-page-size must be ≥ 1, got " + pageSize);
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("poll-interval must be positive, got " + pollInterval);
    }
    this.dataSource = dataSource;
    this.blocking = blocking;
    this.pageSize = pageSize;
    this.pollMillis = pollInterval.toMillis();
    this.head = new AtomicLong(readHead());
  }

  /** With {@code zkchain.feed.log.replay-page-size} and {@code poll-interval} from {@code config}. */
  public JdbcFeedLog(DataSource dataSource, Executor blocking, Config config) {
    this(dataSource, blocking, config.getConfig("zkchain.feed.log").getInt("replay-page-size"),
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
        replaceFrom(number, batch.toJson());
        replaced = true;
      } else if (number != h + 1) {
        throw new IllegalArgumentException("batch " + number + " would leave a gap after the feed log's head " + h
            + "; refused");
      } else {
        insert(number, batch.toJson());
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
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement(
             "SELECT number, message FROM feed_batch WHERE number >= ? AND number < ? ORDER BY number")) {
      ps.setLong(1, first);
      ps.setLong(2, first + limit);
      List<BatchMessage> page = new ArrayList<>(limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next() && rs.getLong(1) == first + page.size()) {
          page.add((BatchMessage) FeedMessage.parse(rs.getString(2)));
        }
      }
      return page;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the feed log from batch " + first + ": " + e.getMessage(), e);
    }
  }

  /** Batch {@code number} in place of the stored one, and nothing after it, in one transaction. */
  private void replaceFrom(long number, String json) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM feed_batch WHERE number >= ?")) {
        delete.setLong(1, number);
        delete.executeUpdate();
        insert(c, number, json);
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

  private void insert(long number, String json) {
    try (Connection c = dataSource.getConnection()) {
      insert(c, number, json);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot append batch " + number + " to the feed log: " + e.getMessage(), e);
    }
  }

  private static void insert(Connection c, long number, String json) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO feed_batch (number, message) VALUES (?, ?)")) {
      ps.setLong(1, number);
      ps.setString(2, json);
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
