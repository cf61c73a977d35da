package zkchain.sequencer;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import zkchain.execution.Account;
import zkchain.execution.ChainConfig;
import zkchain.execution.NodeStore;
import zkchain.execution.WorldState;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;

/**
 * The one owner of the sequencer's mutable state: the pending state, the open batch and the head.
 * Admits transactions, closes the open batch at its size or time limit, and persists each closed
 * batch before telling anyone about it.
 *
 * <p>Runs on the sequencer's own dispatcher: admission reads accounts and closing executes and
 * writes to the database, both blocking, and both must happen in order with everything else here.
 */
public final class BatchSequencer extends AbstractBehavior<BatchSequencer.Command> {

  public sealed interface Command {}

  /** eth_sendRawTransaction. */
  public record SubmitTransaction(byte[] raw, ActorRef<Admission> replyTo) implements Command {}

  /** An account in the pending state ({@code pending}) or after the last closed batch. */
  public record GetAccount(Address address, boolean pending, ActorRef<Account> replyTo) implements Command {}

  public record GetHead(ActorRef<SequencerHead> replyTo) implements Command {}

  /** Answers with the head as soon as batch {@code number} is closed (and persisted). */
  public record AwaitBatch(long number, ActorRef<SequencerHead> replyTo) implements Command {}

  /** Closes the open batch, so no admitted transaction is dropped, then stops. */
  public record Stop(ActorRef<akka.Done> replyTo) implements Command {}

  /** The latest L1 block's timestamp: no batch timestamp goes above it. */
  public record L1Time(long timestamp) implements Command {}

  private enum CloseOpenBatch implements Command { INSTANCE }

  /** What the actor needs; made once by {@link Sequencer}. */
  record Setup(NodeStore store, ChainConfig chain, Address coinbase, BatchCloser closer,
      SequencerBatchStore batches, SequencerHead initialHead, long initialL1Timestamp, int maxTransactions,
      java.time.Duration maxDelay, Clock clock) {}

  static Behavior<Command> create(Setup setup) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new BatchSequencer(ctx, timers, setup)));
  }

  private final TimerScheduler<Command> timers;
  private final Setup setup;
  private SequencerHead head;
  private final PendingState pending;
  private OpenBatch open = OpenBatch.EMPTY;
  private long l1Timestamp;
  /** Readers waiting for the next batch, with when they asked: a reader asks again after its ask times out. */
  private final List<Waiting> waiting = new ArrayList<>();

  private record Waiting(AwaitBatch request, long sinceNanos) {}

  /** Longer than any reader's ask timeout: an older waiter no longer listens and is dropped. */
  private static final long STALE_WAITER_NANOS = java.time.Duration.ofMinutes(1).toNanos();

  private BatchSequencer(ActorContext<Command> ctx, TimerScheduler<Command> timers, Setup setup) {
    super(ctx);
    this.timers = timers;
    this.setup = setup;
    // the database, not this actor's memory, says where the sequencer is: a restart resumes there
    this.head = setup.batches().last().map(SequencerHead::of).orElse(setup.initialHead());
    this.pending = PendingState.open(setup.store(), setup.chain(), setup.coinbase(), head.stateRoot());
    this.l1Timestamp = setup.initialL1Timestamp();
    ctx.getLog().info("Sequencer resumes after batch {} (state root {}, accInputHash {})", head.number(),
        head.stateRoot(), head.accInputHash());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SubmitTransaction.class, this::onSubmit)
        .onMessage(GetAccount.class, this::onGetAccount)
        .onMessage(GetHead.class, m -> {
          m.replyTo().tell(head);
          return this;
        })
        .onMessage(AwaitBatch.class, this::onAwait)
        .onMessage(L1Time.class, m -> {
          l1Timestamp = Math.max(l1Timestamp, m.timestamp());
          return this;
        })
        .onMessage(CloseOpenBatch.class, m -> {
          closeOpenBatch("time limit");
          return this;
        })
        .onMessage(Stop.class, m -> {
          closeOpenBatch("shutdown");
          m.replyTo().tell(akka.Done.getInstance());
          return Behaviors.stopped();
        })
        .build();
  }

  private Behavior<Command> onSubmit(SubmitTransaction m) {
    if (!OpenBatch.fitsAlone(m.raw())) {
      m.replyTo().tell(new Admission.Refused(Hash32.keccak(m.raw()), Optional.empty(), "transaction of "
          + m.raw().length + " bytes cannot fit in a batch's 120,000 bytes of transactions"));
      return this;
    }
    // close first if it does not fit, so the predicted root of the closed batch excludes it
    if (!open.isEmpty() && !open.fits(m.raw(), setup.maxTransactions())) closeOpenBatch("size limit");
    Admission admission = pending.admit(m.raw());
    if (admission instanceof Admission.Admitted) {
      if (open.isEmpty()) timers.startSingleTimer(CloseOpenBatch.INSTANCE, setup.maxDelay());
      open = open.add(m.raw());
      if (open.size() >= setup.maxTransactions()) closeOpenBatch("size limit");
    }
    m.replyTo().tell(admission);
    return this;
  }

  private Behavior<Command> onGetAccount(GetAccount m) {
    Account account = m.pending() ? pending.account(m.address())
        : WorldState.open(setup.store(), head.stateRoot()).account(m.address());
    m.replyTo().tell(account);
    return this;
  }

  private Behavior<Command> onAwait(AwaitBatch m) {
    if (head.number() >= m.number()) {
      m.replyTo().tell(head);
      return this;
    }
    long now = System.nanoTime();
    waiting.removeIf(w -> now - w.sinceNanos() > STALE_WAITER_NANOS);
    waiting.add(new Waiting(m, now));
    return this;
  }

  /**
   * Seals the pending state, executes and signs the batch, persists it, and only then wakes the
   * readers of closed batches. A failure here restarts the actor from the database: the admitted
   * transactions of the open batch are dropped rather than signed in a batch that may be wrong.
   */
  private void closeOpenBatch(String why) {
    timers.cancel(CloseOpenBatch.INSTANCE);
    if (open.isEmpty()) return;
    long clock = setup.clock().millis() / 1000;
    Batch batch = new Batch(head.number() + 1, open.encode(), head.nextTimestamp(clock, l1Timestamp),
        setup.coinbase());
    Hash32 predicted = pending.seal();
    BatchMessage closed = setup.closer().close(head, batch, predicted);
    setup.batches().insert(closed);
    getContext().getLog().debug("Closed batch {} at its {}: {} transactions, {} bytes, state root {}",
        batch.number(), why, open.size(), open.encodedBytes(), closed.stateRoot());
    head = SequencerHead.of(closed);
    open = OpenBatch.EMPTY;
    waiting.removeIf(w -> {
      if (w.request().number() > head.number()) return false;
      w.request().replyTo().tell(head);
      return true;
    });
  }
}
