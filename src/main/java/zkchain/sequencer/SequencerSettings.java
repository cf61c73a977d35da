package zkchain.sequencer;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;

/** {@code zkchain.sequencer} (conf/sequencer.conf). */
public record SequencerSettings(
    String rpcInterface,
    int rpcPort,
    Duration rpcTimeout,
    int maxTransactions,
    Duration maxDelay,
    Optional<String> coinbase,
    int trieCacheNodes,
    boolean l1Enabled,
    int batchesPerCall,
    Duration l1Interval,
    Duration l1PollInterval,
    Duration l1ClockInterval,
    Duration retryMinBackoff,
    Duration retryMaxBackoff,
    long divergentBatchTestHook) {

  /** The actor's own thread. */
  public static final String DISPATCHER = "zkchain.sequencer.dispatcher";
  /** L1 calls and feed replay reads. */
  public static final String BLOCKING_DISPATCHER = "zkchain.sequencer.blocking-dispatcher";

  public SequencerSettings {
    if (maxTransactions < 1) throw new IllegalArgumentException("batch.max-transactions must be ≥ 1");
    if (batchesPerCall < 1) throw new IllegalArgumentException("l1.batches-per-call must be ≥ 1");
  }

  /** Reads {@code zkchain.sequencer} of a resolved configuration ({@link zkchain.runtime.Configuration#load}). */
  public static SequencerSettings from(Config config) {
    Config s = config.getConfig("zkchain.sequencer");
    String coinbase = s.getString("coinbase");
    return new SequencerSettings(
        s.getString("rpc.interface"), s.getInt("rpc.port"), s.getDuration("rpc.timeout"),
        s.getInt("batch.max-transactions"), s.getDuration("batch.max-delay"),
        coinbase.isEmpty() ? Optional.empty() : Optional.of(coinbase),
        s.getInt("trie-cache-nodes"),
        s.getBoolean("l1.enabled"), s.getInt("l1.batches-per-call"), s.getDuration("l1.interval"),
        s.getDuration("l1.poll-interval"),
        s.getDuration("l1.clock-interval"), s.getDuration("l1.retry.min-backoff"),
        s.getDuration("l1.retry.max-backoff"),
        s.getLong("test-hooks.sequence-divergent-batch"));
  }
}
