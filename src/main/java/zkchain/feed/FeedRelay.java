package zkchain.feed;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.protocol.FeedMessage.BatchMessage;

/**
 * A node's own feed (PROTOCOL.md §6, served by {@link FeedServer}): the sequencer's signed batches
 * its feed client accepted, kept gapless in its {@link JdbcFeedLog}, so that other nodes can
 * follow it (a relay needs no trust: signatures are checked end to end).
 *
 * <p>The node may hold batches its log lacks, learnt from L1 first while its feed was behind; its
 * feed client then resumes from the log's head ({@link #nextBatch}) and the batches it already
 * holds are relayed without being executed again. Without that the log could never grow past
 * the gap, and every node following this one would stall.
 */
public final class FeedRelay {
  private static final Logger log = LoggerFactory.getLogger(FeedRelay.class);

  /** The log could not take a batch; the feed client resumes from {@link #nextBatch} to try again. */
  public static final class RelayFailed extends RuntimeException {
    RelayFailed(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  private final JdbcFeedLog feedLog;
  private final FeedMetrics metrics;
  /** Logs a failure once until the relay works again, not once per batch or retry. */
  private final AtomicBoolean failing = new AtomicBoolean();

  public FeedRelay(JdbcFeedLog feedLog, FeedMetrics metrics) {
    this.feedLog = feedLog;
    this.metrics = metrics;
  }

  public FeedLog feedLog() {
    return feedLog;
  }

  /**
   * The batch the node's feed client asks for next, given the highest batch the node holds
   * (Trusted, or Virtual from L1): the one after it, or the one after the log's head when the log
   * is behind, so the log fills its gap.
   */
  public long nextBatch(long nodeHead) {
    long logHead = feedLog.head();
    if (logHead < nodeHead) {
      log.info("this node's feed log ends at batch {}, the node holds up to {}: the feed client resumes from {} "
          + "to fill it, relaying the batches the node holds without executing them again",
          logHead, nodeHead, logHead + 1);
    }
    return Math.min(logHead, nodeHead) + 1;
  }

  /**
   * Relays a batch the node accepted: appended after the log's head, or in place of another
   * version of it ({@link JdbcFeedLog#appendOrReplace}).
   *
   * @throws RelayFailed when the log refuses it (a gap) or its database fails; logged and counted here
   */
  public void relay(BatchMessage message) {
    long number = message.batch().number();
    try {
      if (feedLog.appendOrReplace(message)) {
        metrics.countReplaced();
        log.info("this node's feed now serves another version of batch {}, the one the node accepted last; "
            + "the batches after it follow again as they come", number);
      }
      if (failing.compareAndSet(true, false)) log.info("this node's feed relays again from batch {}", number);
    } catch (IllegalArgumentException | IllegalStateException e) {
      metrics.countRelayFailure();
      if (failing.compareAndSet(false, true)) {
        log.warn("this node's feed could not relay batch {}: {}; the feed client resumes from the log's head {}",
            number, e.getMessage(), feedLog.head());
      }
      throw new RelayFailed("batch " + number + " was not relayed: " + e.getMessage(), e);
    }
  }

  /** False from a failed relay until the next one that works. */
  public boolean relaying() {
    return !failing.get();
  }
}
