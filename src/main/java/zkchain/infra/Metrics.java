package zkchain.infra;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import zkchain.execution.ExecutionResult;
import zkchain.execution.Executor;
import zkchain.execution.TransactionOutcome;
import zkchain.protocol.SkipReason;

/**
 * The process's Prometheus metrics, served as text on {@code GET /metrics} of the management port.
 * One registry per actor system, so that several roles in one JVM (the tests, the devnet) keep
 * their own; the JVM's metrics are in each. Each role registers its own metrics here, computed
 * from the state it keeps where it can (callbacks); what only happens as an event (an execution,
 * an L1 reorg, a stage transition) is observed where it happens, once. Names are the protocol's
 * words, one per concept (README.md, "Metrics").
 */
public final class Metrics implements Extension {
  public static final ExtensionId<Metrics> ID = new ExtensionId<>() {
    @Override
    public Metrics createExtension(ActorSystem<?> system) {
      return new Metrics();
    }
  };

  public static Metrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The Prometheus text format, version 0.0.4. */
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private static final String STAGE_HELP = "Seconds each batch took from one stage to the next, "
      + "as its transition was persisted: Trusted to Virtual, Virtual to Consolidated";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter transactions;
  private final Histogram execution;
  private final Histogram stageSeconds;
  private final Counter l1Reorgs;
  private final Histogram l1ReorgDepth;
  private final LongAdder executedTransactions = new LongAdder();

  private Metrics() {
    JvmMetrics.builder().register(registry);
    transactions = Counter.builder().name("zkchain_transactions_total")
        .help("Transactions of the batches this process executed: applied, or skipped with the "
            + "PROTOCOL.md section 2 reason")
        .labelNames("outcome", "reason").register(registry);
    transactions.initLabelValues("applied", "");
    for (SkipReason reason : SkipReason.values()) transactions.initLabelValues("skipped", label(reason));
    execution = Histogram.builder().name("zkchain_execution_seconds")
        .help("Seconds the state transition of one batch took (rules and trie, its senders already recovered)")
        .classicOnly()
        .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
        .register(registry);
    stageSeconds = Histogram.builder().name("zkchain_stage_seconds").help(STAGE_HELP)
        .labelNames("from", "to").classicOnly()
        .classicUpperBounds(1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400)
        .register(registry);
    stageSeconds.initLabelValues("trusted", "virtual");
    stageSeconds.initLabelValues("virtual", "consolidated");
    l1Reorgs = Counter.builder().name("zkchain_l1_reorgs_total")
        .help("L1 reorgs the L1 derivation of this process undid").register(registry);
    l1ReorgDepth = Histogram.builder().name("zkchain_l1_reorg_depth")
        .help("Depth of each L1 reorg: the blocks the derivation had processed that are no longer on L1")
        .classicOnly().classicUpperBounds(1, 2, 3, 4, 6, 8, 16, 32, 64, 128)
        .register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** Every metric of the process, in the Prometheus text format. */
  public String scrape() {
    var out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Counts the transactions of every batch an executor of this process executes, and times it. */
  public Executor.Observer execution() {
    return this::executed;
  }

  private void executed(ExecutionResult result, long nanos) {
    execution.observe(nanos / 1e9);
    executedTransactions.add(result.outcomes().size());
    long applied = 0;
    for (TransactionOutcome o : result.outcomes()) {
      if (o instanceof TransactionOutcome.Skipped s) {
        transactions.labelValues("skipped", label(s.reason())).inc();
      } else {
        applied++;
      }
    }
    if (applied > 0) transactions.labelValues("applied", "").inc(applied);
  }

  /** Transactions of the batches this process executed, applied or skipped: the web page's transfers per second. */
  public long executedTransactions() {
    return executedTransactions.sum();
  }

  /** A batch went from stage {@code from} to {@code to} (lower case, as /status names them) in {@code time}. */
  public void stageTime(String from, String to, Duration time) {
    stageSeconds.labelValues(from, to).observe(Math.max(0, time.toNanos()) / 1e9);
  }

  /** The L1 derivation undid an L1 reorg of {@code depth} blocks. */
  public void l1Reorg(int depth) {
    l1Reorgs.inc();
    l1ReorgDepth.observe(depth);
  }

  /** A gauge computed at each scrape; the callback calls {@code call(value, labelValues...)} per series. */
  public void gauge(String name, String help, Consumer<GaugeWithCallback.Callback> callback, String... labelNames) {
    GaugeWithCallback.builder().name(name).help(help).labelNames(labelNames).callback(callback).register(registry);
  }

  /** A counter whose value the role already keeps, read at each scrape ({@code name} ends in _total). */
  public void counter(String name, String help, Consumer<CounterWithCallback.Callback> callback, String... labelNames) {
    CounterWithCallback.builder().name(name).help(help).labelNames(labelNames).callback(callback).register(registry);
  }

  /** A counter the role increments ({@code name} ends in _total). */
  public Counter newCounter(String name, String help, String... labelNames) {
    return Counter.builder().name(name).help(help).labelNames(labelNames).register(registry);
  }

  private static String label(SkipReason reason) {
    return reason.word();
  }
}
