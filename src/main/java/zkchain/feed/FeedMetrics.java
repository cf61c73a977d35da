package zkchain.feed;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link FeedSource} counts: frames rejected by reason, and how its connections fared; and
 * what the node's {@link FeedRelay} did with the batches it relays.
 */
public final class FeedMetrics {
  /** Why a feed frame was rejected; the protocol's words, as they appear in logs and metrics. */
  public enum Rejection {
    /** Not a feed message of PROTOCOL.md §6 (not JSON, a field missing or mistyped, a binary frame). */
    MALFORMED("malformed"),
    /** Larger than max-frame-size; not parsed. */
    OVERSIZE("oversize"),
    /** A batch for another chain. */
    WRONG_CHAIN("wrong-chain"),
    /** A batch whose signature does not recover the trusted sequencer. */
    BAD_SIGNATURE("bad-signature");

    public final String label;

    Rejection(String label) {
      this.label = label;
    }
  }

  private final Map<Rejection, LongAdder> rejected = new EnumMap<>(Rejection.class);
  private final LongAdder accepted = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder gaps = new LongAdder();
  private final LongAdder reconnects = new LongAdder();
  private final LongAdder failovers = new LongAdder();
  private final LongAdder slowFrames = new LongAdder();
  private final LongAdder replaced = new LongAdder();
  private final LongAdder relayFailures = new LongAdder();
  private volatile String upstream;

  public FeedMetrics() {
    for (Rejection r : Rejection.values()) rejected.put(r, new LongAdder());
  }

  /** The feed URL of the current (or last) connection. */
  void connecting(String url) {
    upstream = url;
  }

  /** The feed URL the node follows now, or null before its first connection. */
  public String upstream() {
    return upstream;
  }

  void countRejected(Rejection reason) {
    rejected.get(reason).increment();
  }

  void countAccepted() {
    accepted.increment();
  }

  void countDuplicate() {
    duplicates.increment();
  }

  void countGap() {
    gaps.increment();
  }

  void countReconnect(boolean failover) {
    reconnects.increment();
    if (failover) failovers.increment();
  }

  void countSlowFrame() {
    slowFrames.increment();
  }

  void countReplaced() {
    replaced.increment();
  }

  void countRelayFailure() {
    relayFailures.increment();
  }

  public long rejected(Rejection reason) {
    return rejected.get(reason).sum();
  }

  /** Every reason with its count, zeros included. */
  public Map<Rejection, Long> rejectedByReason() {
    Map<Rejection, Long> out = new EnumMap<>(Rejection.class);
    rejected.forEach((r, n) -> out.put(r, n.sum()));
    return Collections.unmodifiableMap(out);
  }

  /** Batches emitted: verified, in order. */
  public long accepted() {
    return accepted.sum();
  }

  /** Verified batches dropped because their number was below the next one expected. */
  public long duplicates() {
    return duplicates.sum();
  }

  /** Verified batches past the next one expected; each made the source reconnect. */
  public long gaps() {
    return gaps.sum();
  }

  /** Connections after the first. */
  public long reconnects() {
    return reconnects.sum();
  }

  /** Reconnects that moved to another URL (silence or failure of the previous one). */
  public long failovers() {
    return failovers.sum();
  }

  /** Connections given up in the middle of a frame: not finished within frame-timeout, or silent while incomplete. */
  public long slowFrames() {
    return slowFrames.sum();
  }

  /** Batches the relay's log took in place of another version of them. */
  public long replaced() {
    return replaced.sum();
  }

  /** Batches the relay's log could not take (a gap, its database); each made the feed client resume. */
  public long relayFailures() {
    return relayFailures.sum();
  }

  @Override
  public String toString() {
    return "FeedMetrics[accepted=" + accepted() + ", rejected=" + rejectedByReason() + ", duplicates=" + duplicates()
        + ", gaps=" + gaps() + ", reconnects=" + reconnects() + ", failovers=" + failovers() + ", slowFrames="
        + slowFrames() + ", replaced=" + replaced() + ", relayFailures=" + relayFailures() + "]";
  }
}
