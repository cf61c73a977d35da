package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import zkchain.batch.LiveHeads;
import zkchain.batch.StageHeads;
import zkchain.derive.L1Status;
import zkchain.feed.FeedMetrics;
import zkchain.infra.Metrics;

/**
 * The node's metrics, each read at scrape time from what the node already keeps: the stage heads
 * and state root mismatches as /status shows them ({@link LiveHeads}), and, on the member where the
 * {@link Ingest} runs, the L1 derivation's position and the feed door's counts. The ingest's
 * counts start again where it starts again (another member, a restart): Prometheus reads a
 * counter that falls as a reset.
 */
final class NodeMetrics implements Extension {
  static final ExtensionId<NodeMetrics> ID = new ExtensionId<>() {
    @Override
    public NodeMetrics createExtension(ActorSystem<?> system) {
      return new NodeMetrics(system);
    }
  };

  /** What the ingest running on this member counts; null while it runs elsewhere. */
  private record Doors(L1Status l1, FeedMetrics feed, TrustedExecution trusted) {}

  private volatile Doors doors;

  static NodeMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private NodeMetrics(ActorSystem<?> system) {
    Metrics metrics = Metrics.get(system);
    LiveHeads live = LiveHeads.get(system);
    metrics.gauge("zkchain_batch_head", "The newest batch of each stage (trusted, virtual, consolidated), as /status "
        + "shows it", cb -> {
          StageHeads.Heads heads = live.heads();
          cb.call(heads.trusted(), "trusted");
          cb.call(heads.virtual(), "virtual");
          cb.call(heads.consolidated(), "consolidated");
        }, "stage");
    metrics.gauge("zkchain_state_root_mismatch", "1 while L1 verified a state root that differs from the node's own "
        + "for some batch (/status stateRootMismatch), else 0",
        cb -> cb.call(live.heads().openStateRootMismatches() > 0 ? 1 : 0));
    metrics.gauge("zkchain_l1_block", "L1 blocks of the L1 derivation: L1's head, the last block processed, and the "
        + "highest block the configured finality allows (finalized)", cb -> {
          Doors d = doors;
          if (d == null) return;
          L1Status.Snapshot l1 = d.l1().snapshot();
          cb.call(l1.l1Head(), "head");
          cb.call(l1.processedBlock(), "processed");
          cb.call(d.l1().finalized(), "finalized");
        }, "kind");
    metrics.counter("zkchain_feed_batches_total", "Feed batches the feed door settled, by outcome (recorded Trusted, "
        + "already-virtual, l1-differs, or why it did not take)", cb -> {
          Doors d = doors;
          if (d == null) return;
          for (TrustedExecution.Outcome o : TrustedExecution.Outcome.values()) cb.call(d.trusted().count(o), o.label());
        }, "outcome");
    metrics.counter("zkchain_feed_rejected_total", "Feed frames rejected before execution, by reason", cb -> {
      Doors d = doors;
      if (d == null) return;
      d.feed().rejectedByReason().forEach((reason, n) -> cb.call(n, reason.label));
    }, "reason");
    metrics.counter("zkchain_feed_reconnects_total", "Feed connections after the first (silence, failure, a gap)",
        cb -> {
          Doors d = doors;
          if (d != null) cb.call(d.feed().reconnects());
        });
    metrics.counter("zkchain_feed_failovers_total", "Feed reconnects that moved to the next feed URL", cb -> {
      Doors d = doors;
      if (d != null) cb.call(d.feed().failovers());
    });
  }

  /** The ingest runs on this member now. */
  void ingestStarted(L1Status l1, FeedMetrics feed, TrustedExecution trusted) {
    doors = new Doors(l1, feed, trusted);
  }

  /** The ingest stopped on this member (handed over, restarting, stopping). */
  void ingestStopped() {
    doors = null;
  }
}
