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
      process.serve(RoleProcess.Serving.of(null, () -> Map.of("aggregator", aggregator.status()),
          () -> aggregator.stop().toCompletableFuture().join()));
      return new AggregatorRole(process, aggregator);
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
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
