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

  /**
   * Batches from {@code number} on, a page at a time and only as fast as they are asked for, so a
   * reader holds at most one page whatever its position: {@code page} reads the consecutive
   * batches stored from a number, or, caught up, waits for the next one and answers an empty page
   * (read again); null ends the stream. Replay and live delivery are then the same read.
   */
  static Source<BatchMessage, NotUsed> paged(long number,
                                             java.util.function.LongFunction<java.util.concurrent.CompletionStage<java.util.List<BatchMessage>>> page) {
    return Source.unfoldAsync(number, next -> page.apply(next).thenApply(batches -> batches == null
            ? java.util.Optional.<akka.japi.Pair<Long, java.util.List<BatchMessage>>>empty()
            : java.util.Optional.of(akka.japi.Pair.create(next + batches.size(), batches))))
        .mapConcat(batches -> batches);
  }
}
