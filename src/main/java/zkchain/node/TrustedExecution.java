package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.pattern.StatusReply;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.utils.Numeric;
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
 */
public final class TrustedExecution {
  private static final Logger log = LoggerFactory.getLogger(TrustedExecution.class);

  /** What became of one feed batch. */
  public enum Outcome {
    RECORDED, STATE_ROOT_DIFFERS, ACC_INPUT_HASH_DIFFERS, PARENT_UNKNOWN, REFUSED;

    /** The feed has to be asked again from the batch the node needs: this one did not take. */
    public boolean needsResync() {
      return this != RECORDED;
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
    return parent(n)
        .thenCompose(parent -> parent == null
            ? CompletableFuture.completedFuture(reject(message, Outcome.PARENT_UNKNOWN,
                "batch " + (n - 1) + " is neither Trusted nor Virtual here"))
            : CompletableFuture.supplyAsync(() -> executor.execute(parent.root(), message.batch()), blocking)
                .thenCompose(result -> record(message, parent, result)))
        .thenApply(outcome -> {
          counts.get(outcome).increment();
          return outcome;
        });
  }

  private record Parent(Hash32 root, Hash32 accInputHash) {}

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
    var data = new BatchEntity.BatchData(Numeric.toHexString(message.batch().transactions()),
        message.batch().timestamp(), message.batch().coinbase().hex(), BatchEntity.Source.FEED);
    return BatchEntity.ref(system, n)
        .<StatusReply<BatchEntity.State>>ask(r -> new BatchEntity.RecordTrusted(data, result.stateRoot().hex(), acc.hex(), r),
            timeout)
        .thenApply(reply -> reply.isSuccess()
            ? Outcome.RECORDED
            : reject(message, Outcome.REFUSED, reply.getError().getMessage()));
  }

  private static CompletionStage<Outcome> done(Outcome outcome) {
    return CompletableFuture.completedFuture(outcome);
  }

  private static Outcome reject(BatchMessage message, Outcome outcome, String why) {
    log.warn("feed batch {} rejected ({}): {}", message.batch().number(),
        outcome.name().toLowerCase().replace('_', '-'), why);
    return outcome;
  }
}
