package zkchain.sequencer;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.prometheus.metrics.core.metrics.Counter;
import zkchain.infra.Metrics;
import zkchain.protocol.SkipReason;

/** What the trusted sequencer counts, on its /metrics: admissions, batches closed and sequenced, L1 gas. */
final class SequencerMetrics implements Extension {
  static final ExtensionId<SequencerMetrics> ID = new ExtensionId<>() {
    @Override
    public SequencerMetrics createExtension(ActorSystem<?> system) {
      return new SequencerMetrics(Metrics.get(system));
    }
  };

  static SequencerMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** A refusal without a PROTOCOL.md section 2 reason: too large for a batch, or not persisted. */
  static final String OTHER = "other";

  private final Counter admissions;
  private final Counter closedBatches;
  private final Counter closedTransactions;
  private final Counter sequencedBatches;
  private final Counter l1Gas;

  private SequencerMetrics(Metrics metrics) {
    admissions = metrics.newCounter("zkchain_sequencer_admissions_total", "Transactions sent to the sequencer's "
        + "eth_sendRawTransaction: admitted (durable, in exactly one batch), or refused with the section 2 reason "
        + "it would be skipped for (other: too large, or not persisted)", "outcome", "reason");
    admissions.initLabelValues("admitted", "");
    for (SkipReason r : SkipReason.values()) admissions.initLabelValues("refused", r.word());
    admissions.initLabelValues("refused", OTHER);
    closedBatches = metrics.newCounter("zkchain_sequencer_batches_closed_total",
        "Batches the sequencer closed, executed, signed and persisted");
    closedTransactions = metrics.newCounter("zkchain_sequencer_closed_transactions_total",
        "Transactions in the batches the sequencer closed");
    sequencedBatches = metrics.newCounter("zkchain_sequencer_batches_sequenced_total",
        "Batches the sequencer's sequenceBatches calls put on L1 (mined)");
    l1Gas = metrics.newCounter("zkchain_sequencer_l1_gas_total",
        "L1 gas the sequencer's mined sequenceBatches transactions used, reverted ones included");
  }

  void admission(Admission admission) {
    if (admission instanceof Admission.Refused r) {
      admissions.labelValues("refused", r.reason().map(SkipReason::word).orElse(OTHER)).inc();
    } else {
      admissions.labelValues("admitted", "").inc();
    }
  }

  void closed(int transactions) {
    closedBatches.inc();
    closedTransactions.inc(transactions);
  }

  void sequenced(long batches) {
    sequencedBatches.inc(batches);
  }

  void l1Gas(long gas) {
    l1Gas.inc(gas);
  }
}
