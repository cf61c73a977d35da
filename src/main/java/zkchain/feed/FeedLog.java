package zkchain.feed;

import akka.NotUsed;
import akka.stream.javadsl.Source;
import zkchain.protocol.FeedMessage.BatchMessage;

/**
 * The signed batches this process has accepted, in batch-number order, as its feed serves them
 * (PROTOCOL.md §6). The sequencer appends the batches it closes; a relay appends what its
 * {@link FeedSource} verified and its node accepted ({@link FeedRelay}), and re-serves them unchanged.
 */
public interface FeedLog {
  /**
   * Appends batch {@code head() + 1}. Appending a batch already in the log is a no-op when it is
   * the same message and refused ({@link IllegalStateException}) when it differs; a number past
   * {@code head() + 1} is refused ({@link IllegalArgumentException}): the feed has no gaps.
   */
  void append(BatchMessage batch);

  /** The last batch number in the log; 0 when it is empty. */
  long head();

  /**
   * Every batch from {@code number} (≥ 1) on: the stored ones, then each one as it is appended;
   * no gap, no duplicate. Never completes by itself.
   */
  Source<BatchMessage, NotUsed> from(long number);
}
