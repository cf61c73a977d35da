package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.pattern.StatusReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.batch.BatchEntity;
import zkchain.batch.LiveHeads;
import zkchain.execution.ExecutionResult;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;

/**
 * The feed door's chain executor, after the feed client has checked order and signature: it
 * holds the head of the executed chain (number, state root, accInputHash) in memory, executes
 * each feed batch on it in order, checks the sequencer's state root and accInputHash against the
 * node's own, and has the batch recorded Trusted (PROTOCOL.md §1, §6). The three steps are apart
 * so the feed door pipelines them: the senders of later batches are recovered
 * ({@link #prepare}) and the next batch executed ({@link #execute}) while the batch before is
 * persisted ({@link #record}). The head is read from the journal ({@link #resume}) at every
 * (re)start of the feed door, never carried over from memory alone.
 *
 * <p>A batch whose signed root or accInputHash differs from the node's execution is rejected,
 * logged once and counted; so is one that does not follow the head. A batch the node already
 * holds (Trusted, or Virtual from L1) is not executed again but judged against what the node has:
 * the same version is relayed (a relay that fell behind L1 fills its log this way), a version
 * that differs from L1's is logged and counted, and L1's stands.
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

  /** The last batch of the executed chain; number 0 is the genesis. */
  public record ChainHead(long number, Hash32 stateRoot, Hash32 accInputHash) {}

  /** A feed batch on its way through the door. */
  public sealed interface Step {
    BatchMessage message();
  }

  /** Executed on the head and checked: to be recorded Trusted. */
  record Executed(BatchMessage message, Hash32 stateRoot, Hash32 accInputHash) implements Step {}

  /** Settled without executing it: already held, or rejected. */
  record Settled(BatchMessage message, Outcome outcome) implements Step {}

  /** A feed batch with its senders recovered, ready to execute. */
  public record Prepared(BatchMessage message, zkchain.execution.Executor.Prepared batch) {}

  /** Trusted batches changed under the door (a trusted reorg, an L1 reorg): its head is read again. */
  static final class ChainReset extends RuntimeException {
    ChainReset() {
      super("Trusted batches changed under the feed door (a trusted reorg or an L1 reorg); its chain head is "
          + "read again from the journal", null, false, false);
    }
  }

  private final ActorSystem<?> system;
  private final zkchain.execution.Executor executor;
  private final Hash32 genesisRoot;
  private final TrustedChain trustedChain;
  private final LongSupplier l1VirtualHead;
  private final Duration timeout;
  private final Executor blocking;
  private final EnumMap<Outcome, LongAdder> counts = new EnumMap<>(Outcome.class);
  private final LongAdder executions = new LongAdder();
  /** Written by the execute step only (one at a time), and by resume between streams. */
  private volatile ChainHead head;
  private volatile long headEpoch;

  /** A door on its own, as in tests: no L1, Trusted batches changed by nobody else. */
  public TrustedExecution(ActorSystem<?> system, zkchain.execution.Executor executor, Hash32 genesisRoot) {
    this(system, executor, genesisRoot,
        new TrustedChain(system, system.settings().config().getDuration("zkchain.batch.ask-timeout"), 1), () -> 0);
  }

  TrustedExecution(ActorSystem<?> system, zkchain.execution.Executor executor, Hash32 genesisRoot,
                   TrustedChain trustedChain, LongSupplier l1VirtualHead) {
    this.system = system;
    this.executor = executor;
    this.genesisRoot = genesisRoot;
    this.trustedChain = trustedChain;
    this.l1VirtualHead = l1VirtualHead;
    this.timeout = system.settings().config().getDuration("zkchain.batch.ask-timeout");
    this.blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    for (Outcome o : Outcome.values()) counts.put(o, new LongAdder());
  }

  public long count(Outcome outcome) {
    return counts.get(outcome).sum();
  }

  /** Feed batches this door executed (a batch it already held is not executed). */
  public long executions() {
    return executions.sum();
  }

  /** The head as last executed or read; null before the first {@link #resume}. */
  public ChainHead head() {
    return head;
  }

  /**
   * Reads the head from the journal: the highest batch the node holds (the stage heads as last
   * read, then entity by entity upwards, since the heads' projection may lag), with its roots.
   */
  public CompletionStage<ChainHead> resume() {
    long epoch = trustedChain.epoch();
    long from = Math.max(LiveHeads.get(system).heads().trusted(), l1VirtualHead.getAsLong());
    return highestHeld(from).thenApply(found -> {
      head = found;
      headEpoch = epoch;
      trustedChain.resumedAt(found.number());
      return found;
    });
  }

  private CompletionStage<ChainHead> highestHeld(long candidate) {
    if (candidate == 0) {
      return state(1).thenCompose(one -> held(one) ? highestHeld(1)
          : CompletableFuture.completedFuture(new ChainHead(0, genesisRoot, AccInputHash.GENESIS)));
    }
    return state(candidate).thenCompose(s -> {
      if (!held(s)) return highestHeld(candidate - 1); // the heads were read before a discard
      return state(candidate + 1).thenCompose(next -> held(next) ? highestHeld(candidate + 1)
          : CompletableFuture.completedFuture(new ChainHead(candidate, Hash32.of(s.current().stateRoot()),
              Hash32.of(s.current().accInputHash()))));
    });
  }

  private static boolean held(BatchEntity.State s) {
    return s.stage() != BatchEntity.Stage.NONE;
  }

  private CompletionStage<BatchEntity.State> state(long number) {
    return BatchEntity.ref(system, number).ask(BatchEntity.Get::new, timeout);
  }

  /** Decodes the batch and recovers its senders: no state needed, so many run at once. */
  public Prepared prepare(BatchMessage message) {
    return new Prepared(message, executor.prepare(message.batch()));
  }

  /**
   * Executes the batch on the head and checks it, in feed order, one at a time. Blocking: a batch
   * the node already holds is judged against its entity here, where the head may move to it.
   */
  public Step execute(Prepared prepared) {
    if (trustedChain.epoch() != headEpoch) throw new ChainReset();
    BatchMessage message = prepared.message();
    long n = message.batch().number();
    ChainHead at = head;
    if (n <= Math.max(at.number(), l1VirtualHead.getAsLong())) return judgeHeld(message);
    if (n != at.number() + 1) {
      return new Settled(message, reject(message, Outcome.PARENT_UNKNOWN,
          "batch " + (n - 1) + " is neither Trusted nor Virtual here (the node's chain ends at " + at.number() + ")"));
    }
    ExecutionResult result = executor.execute(at.stateRoot(), prepared.batch());
    executions.increment();
    if (!result.stateRoot().equals(message.stateRoot())) {
      return new Settled(message, reject(message, Outcome.STATE_ROOT_DIFFERS, "the sequencer signed state root "
          + message.stateRoot().hex() + ", the node computed " + result.stateRoot().hex()));
    }
    Hash32 acc = AccInputHash.next(at.accInputHash(), message.batch());
    if (!acc.equals(message.accInputHash())) {
      return new Settled(message, reject(message, Outcome.ACC_INPUT_HASH_DIFFERS, "the message carries accInputHash "
          + message.accInputHash().hex() + ", the node computed " + acc.hex()));
    }
    head = new ChainHead(n, result.stateRoot(), acc);
    return new Executed(message, result.stateRoot(), acc);
  }

  /** A batch the node holds already: the same version is taken again, another one is not. */
  private Step judgeHeld(BatchMessage message) {
    long n = message.batch().number();
    BatchEntity.State state = state(n).toCompletableFuture().join();
    BatchEntity.Core c = state.current();
    if (!held(state)) {
      // held by L1 moments ago and undone since: the head is read again
      throw new ChainReset();
    }
    List<String> differing = new ArrayList<>(c.data().differingFields(data(message)));
    if (!message.stateRoot().hex().equalsIgnoreCase(c.stateRoot())) differing.add("stateRoot");
    if (!message.accInputHash().hex().equalsIgnoreCase(c.accInputHash())) differing.add("accInputHash");
    if (n > head.number()) head = new ChainHead(n, Hash32.of(c.stateRoot()), Hash32.of(c.accInputHash()));
    if (state.stage() == BatchEntity.Stage.TRUSTED) {
      return new Settled(message, differing.isEmpty() ? Outcome.RECORDED : reject(message, Outcome.REFUSED,
          "batch " + n + " is already Trusted with different " + differing + "; the new feed version is ignored"));
    }
    if (differing.isEmpty()) return new Settled(message, Outcome.ALREADY_VIRTUAL);
    log.warn("feed batch {} differs from the version the node has from L1 ({}): the L1 version stands "
        + "(PROTOCOL.md §7); the feed's is relayed as the sequencer signed it", n, differing);
    return new Settled(message, Outcome.L1_DIFFERS);
  }

  /** Records an executed batch Trusted; completes when its entity answered. Counts every outcome. */
  public CompletionStage<Outcome> record(Step step) {
    CompletionStage<Outcome> outcome;
    if (step instanceof Executed e) {
      long n = e.message().batch().number();
      outcome = BatchEntity.ref(system, n)
          .<StatusReply<BatchEntity.State>>ask(r -> new BatchEntity.RecordTrusted(data(e.message()),
              e.stateRoot().hex(), e.accInputHash().hex(), r), timeout)
          .thenApply(reply -> {
            if (!reply.isSuccess()) return reject(e.message(), Outcome.REFUSED, reply.getError().getMessage());
            trustedChain.recorded(n, e.accInputHash(), e.stateRoot());
            return Outcome.RECORDED;
          });
    } else {
      outcome = CompletableFuture.completedFuture(((Settled) step).outcome());
    }
    return outcome.thenApply(o -> {
      counts.get(o).increment();
      return o;
    });
  }

  /**
   * One feed batch through all three steps, the head read from the journal first when there is
   * none yet or it no longer stands (the feed door's stream restarts instead).
   */
  public CompletionStage<Outcome> apply(BatchMessage message) {
    CompletionStage<ChainHead> ready = head == null ? resume() : CompletableFuture.completedFuture(head);
    return ready
        .thenApplyAsync(h -> prepare(message), blocking)
        .thenCompose(prepared -> CompletableFuture.supplyAsync(() -> execute(prepared), blocking)
            .exceptionallyCompose(e -> e.getCause() instanceof ChainReset
                ? resume().thenApplyAsync(h -> execute(prepared), blocking)
                : CompletableFuture.failedFuture(e)))
        .thenCompose(this::record);
  }

  private static BatchEntity.BatchData data(BatchMessage message) {
    return BatchEntity.BatchData.of(message.batch(), BatchEntity.Source.FEED);
  }

  private static Outcome reject(BatchMessage message, Outcome outcome, String why) {
    log.warn("feed batch {} rejected ({}): {}", message.batch().number(), outcome.label(), why);
    return outcome;
  }
}
