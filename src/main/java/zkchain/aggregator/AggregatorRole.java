package zkchain.aggregator;

import com.typesafe.config.Config;
import java.util.Map;
import zkchain.runtime.RoleProcess;

/** `zkchain aggregator`: proves Virtual ranges with the attestation proof and verifies them on L1. */
public final class AggregatorRole implements AutoCloseable {
  private final RoleProcess process;
  private final Aggregator aggregator;

  private AggregatorRole(RoleProcess process, Aggregator aggregator) {
    this.process = process;
    this.aggregator = aggregator;
  }

  public static AggregatorRole start(Config config) {
    RoleProcess process = RoleProcess.boot(config);
    try {
      Config c = process.config().getConfig("zkchain.aggregator");
      // Without configured keys the role runs with the dev keys (devnets); a real deployment sets both.
      Aggregator.Keys keys = c.getString("aggregator-key").isEmpty() && c.getString("prover-key").isEmpty()
          ? Aggregator.Keys.dev()
          : Aggregator.Keys.from(process.config());
      Aggregator aggregator = Aggregator.start(process.system(),
          process.rollup(process.config().getInt("zkchain.execution.trie-cache-nodes")), keys);
      registerMetrics(zkchain.infra.Metrics.get(process.system()), aggregator);
      process.serve(RoleProcess.Serving.of(null, () -> Map.of("aggregator", aggregator.status()),
          () -> aggregator.stop().toCompletableFuture().join()));
      return new AggregatorRole(process, aggregator);
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
  }

  /** The aggregator's metrics, read from its status at each scrape. */
  private static void registerMetrics(zkchain.infra.Metrics metrics, Aggregator aggregator) {
    metrics.counter("zkchain_aggregator_attempts_total", "Verification decisions taken, one per interval at most, "
        + "\"nothing to verify\" included", cb -> cb.call(aggregator.status().attempts()));
    metrics.counter("zkchain_aggregator_verified_ranges_total", "Ranges of batches the aggregator verified on L1",
        cb -> cb.call(aggregator.status().verifications()));
    metrics.counter("zkchain_aggregator_reverts_total", "Verification transactions the contract refused (each retry "
        + "counts)", cb -> cb.call(aggregator.status().reverts()));
    metrics.gauge("zkchain_aggregator_batch", "The aggregator's batches: the newest sequence boundary it executed, and "
        + "the contract's last verified batch as last read", cb -> {
          Aggregator.Status s = aggregator.status();
          cb.call(s.lastExecutedBatch(), "executed");
          cb.call(s.lastVerifiedBatch(), "verified");
        }, "kind");
    metrics.gauge("zkchain_state_root_mismatch", "1 while L1's verified root of the batch the "
        + "aggregator would verify from differs from its own (it stops verifying), else 0", cb -> cb.call(aggregator.status().stateRootMismatch() ? 1 : 0));
  }

  public Aggregator aggregator() {
    return aggregator;
  }

  public RoleProcess process() {
    return process;
  }

  @Override
  public void close() {
    process.close();
  }
}
