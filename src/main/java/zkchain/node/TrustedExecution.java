package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.pattern.StatusReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.batch.BatchEntity;
import zkchain.execution.ExecutionResult;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;

/**
 * The feed door of the node, after the feed client has checked order and signature: executes each
 * batch on the root of the batch before it, checks the sequencer's state root and accInputHash
 * against the node's own, and records the batch Trusted (PROTOCOL.md §1, §6).
 *
 * <p>A batch whose signed root or accInputHash differs from the node's execution is rejected,
 * logged once and counted; so is one whose parent the node does not know. The stream goes on.
 *
 * <p>A batch already Virtual (or Consolidated) is not executed again: L1 decided it, and the node's
 * feed only has to relay the sequencer's signed version (a relay that fell behind L1 fills its
 * log this way). A signed version that differs from L1's is logged and counted, and L1's stands.
 */
public final class TrustedExecution {
  private static final Logger log = LoggerFactory.getLogger(TrustedExecution.class);

  /** What became of one feed batch. */
  public enum Outcome {
    RECORDED, STATE_ROOT_DIFFERS, ACC_INPUT_HASH_DIFFERS, PARENT_UNKNOWN, REFUSED,
    /** Already Virtual or Consolidated with this very data, state root and accInputHash: not executed again. */
    ALREADY_VIRTUAL,
    /** Already Virtual or Consolidated from L1 in another version (a trusted reorg): L1's stands. */
    L1_DIFFERS;

    /**
     * The node's feed relays the signed batch: recorded Trusted, or settled by L1 already. A
     * version L1 overrode is relayed too: it is what the sequencer signed, and every client checks
     * it against its own L1, as it would reading the sequencer.
     */
    public boolean relayed() {
      return this == RECORDED || this == ALREADY_VIRTUAL || this == L1_DIFFERS;
    }

    /** The feed has to be asked again from the batch the node needs: this one did not take. */
    public boolean needsResync() {
      return !relayed();
    }

    /** As /status and the log name it. */
    public String label() {
      return name().toLowerCase().replace('_', '-');
    }
  }

  private final ActorSystem<?> system;
  private final zkchain.execution.Executor executor;
  private final Hash32 genesisRoot;
  private final Duration timeout;
  private final Executor blocking;
  private final java.util.EnumMap<Outcome, LongAdder> counts = new java.util.EnumMap<>(Outcome.class);

  public TrustedExecution(ActorSystem<?> system, zkchain.execution.Executor executor, Hash32 genesisRoot) {
    this.system = system;
    this.executor = executor;
    this.genesisRoot = genesisRoot;
    this.timeout = system.settings().config().getDuration("zkchain.batch.ask-timeout");
    this.blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    for (Outcome o : Outcome.values()) counts.put(o, new LongAdder());
  }

  public long count(Outcome outcome) {
    return counts.get(outcome).sum();
  }

  /** Executes and records one verified feed batch; the stage completes when the entity answered. */
  public CompletionStage<Outcome> apply(BatchMessage message) {
    long n = message.batch().number();
    // Both asked at once: the parent is only needed when the batch is not on L1 yet, which is the usual case.
    CompletionStage<BatchEntity.State> own = BatchEntity.ref(system, n).ask(BatchEntity.Get::new, timeout);
    CompletionStage<Parent> parent = parent(n);
    return own
        .thenCompose(state -> onL1(state)
            ? done(compareWithL1(message, state.current()))
            : parent.thenCompose(p -> p == null
                ? done(reject(message, Outcome.PARENT_UNKNOWN,
                    "batch " + (n - 1) + " is neither Trusted nor Virtual here"))
                : CompletableFuture.supplyAsync(() -> executor.execute(p.root(), message.batch()), blocking)
                    .thenCompose(result -> record(message, p, result))))
        .thenApply(outcome -> {
          counts.get(outcome).increment();
          return outcome;
        });
  }

  private record Parent(Hash32 root, Hash32 accInputHash) {}

  private static boolean onL1(BatchEntity.State state) {
    return state.stage() == BatchEntity.Stage.VIRTUAL || state.stage() == BatchEntity.Stage.CONSOLIDATED;
  }

  /** A feed batch the node already has from L1, judged without executing it again. */
  private static Outcome compareWithL1(BatchMessage message, BatchEntity.Core onL1) {
    List<String> differing = new ArrayList<>(onL1.data().differingFields(data(message)));
    if (!message.stateRoot().hex().equalsIgnoreCase(onL1.stateRoot())) differing.add("stateRoot");
    if (!message.accInputHash().hex().equalsIgnoreCase(onL1.accInputHash())) differing.add("accInputHash");
    if (differing.isEmpty()) return Outcome.ALREADY_VIRTUAL;
    log.warn("feed batch {} differs from the version the node has from L1 ({}): the L1 version stands "
        + "(PROTOCOL.md §7); the feed's is relayed as the sequencer signed it", message.batch().number(), differing);
    return Outcome.L1_DIFFERS;
  }

  private static BatchEntity.BatchData data(BatchMessage message) {
    return BatchEntity.BatchData.of(message.batch(), BatchEntity.Source.FEED);
  }

  private CompletionStage<Parent> parent(long n) {
    if (n == 1) return CompletableFuture.completedFuture(new Parent(genesisRoot, AccInputHash.GENESIS));
    return BatchEntity.ref(system, n - 1).ask(BatchEntity.Get::new, timeout).thenApply(s -> {
      var c = s.current();
      return c.stage() == BatchEntity.Stage.NONE ? null : new Parent(Hash32.of(c.stateRoot()), Hash32.of(c.accInputHash()));
    });
  }

  private CompletionStage<Outcome> record(BatchMessage message, Parent parent, ExecutionResult result) {
    long n = message.batch().number();
    if (!result.stateRoot().equals(message.stateRoot())) {
      return done(reject(message, Outcome.STATE_ROOT_DIFFERS, "the sequencer signed state root "
          + message.stateRoot().hex() + ", the node computed " + result.stateRoot().hex()));
    }
    Hash32 acc = AccInputHash.next(parent.accInputHash(), message.batch());
    if (!acc.equals(message.accInputHash())) {
      return done(reject(message, Outcome.ACC_INPUT_HASH_DIFFERS, "the message carries accInputHash "
          + message.accInputHash().hex() + ", the node computed " + acc.hex()));
    }
    return BatchEntity.ref(system, n)
        .<StatusReply<BatchEntity.State>>ask(
            r -> new BatchEntity.RecordTrusted(data(message), result.stateRoot().hex(), acc.hex(), r),
            timeout)
        .thenApply(reply -> reply.isSuccess()
            ? Outcome.RECORDED
            : reject(message, Outcome.REFUSED, reply.getError().getMessage()));
  }

  private static CompletionStage<Outcome> done(Outcome outcome) {
    return CompletableFuture.completedFuture(outcome);
  }

  private static Outcome reject(BatchMessage message, Outcome outcome, String why) {
    log.warn("feed batch {} rejected ({}): {}", message.batch().number(), outcome.label(), why);
    return outcome;
  }
}
