package zkchain.aggregator;

import com.typesafe.config.Config;
import java.util.Map;
import org.web3j.crypto.Credentials;
import zkchain.node.RoleProcess;

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
      Aggregator.Keys dev = Aggregator.Keys.dev();
      Aggregator.Keys keys = new Aggregator.Keys(
          c.getString("key").isEmpty() ? dev.aggregator() : Credentials.create(c.getString("key")),
          c.getString("prover-key").isEmpty() ? dev.prover() : Credentials.create(c.getString("prover-key")).getEcKeyPair());
      Aggregator aggregator = Aggregator.start(process.system(), process.deployment(), process.genesis(), keys,
          process.dataSource());
      process.serve(null, () -> Map.of("aggregator", aggregator.status()),
          () -> aggregator.stop().toCompletableFuture().join());
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
