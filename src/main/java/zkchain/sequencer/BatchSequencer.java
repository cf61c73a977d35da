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
 * <p>An admitted transaction is answered only once it is durable: the admissions that arrive
 * together are persisted in one write ({@link PersistAdmitted}, which the actor sends itself, so
 * it comes after everything already in the mailbox) or with the batch that closes over them. A
 * restart admits the persisted ones again, in order, before it takes anything new.
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

  /** The group commit: persists the admissions not yet durable and answers them. */
  private enum PersistAdmitted implements Command { INSTANCE }

  /** What the actor needs; made once by {@link Sequencer}. */
  record Setup(NodeStore store, ChainConfig chain, Address coinbase, BatchCloser closer,
      SequencerBatchStore batches, PendingTransactionStore pendingTransactions, SequencerHead initialHead,
      long initialL1Timestamp, int maxTransactions, java.time.Duration maxDelay, Clock clock) {}

  static Behavior<Command> create(Setup setup) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new BatchSequencer(ctx, timers, setup)));
  }

  private final TimerScheduler<Command> timers;
  private final Setup setup;
  private SequencerHead head;
  private final PendingState pending;
  private OpenBatch open = OpenBatch.EMPTY;
  /** The seq of the open batch's last transaction: closing it removes the pending ones up to here. */
  private long openThroughSeq;
  private long nextSeq;
  /** Admitted and not yet durable, so not yet answered. */
  private final List<Unanswered> unanswered = new ArrayList<>();
  private long l1Timestamp;
  /** Readers waiting for the next batch, with when they asked: a reader asks again after its ask times out. */
  private final List<Waiting> waiting = new ArrayList<>();

  private record Waiting(AwaitBatch request, long sinceNanos) {}

  private record Unanswered(PendingTransactionStore.PendingTransaction tx, Admission.Admitted admission,
      ActorRef<Admission> replyTo) {}

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
    readmitPersisted();
  }

  /** The admitted transactions a crash left pending, admitted again in their order; nothing new comes before them. */
  private void readmitPersisted() {
    List<PendingTransactionStore.PendingTransaction> persisted = setup.pendingTransactions().all();
    nextSeq = persisted.isEmpty() ? 1 : persisted.get(persisted.size() - 1).seq() + 1;
    int refused = 0;
    for (PendingTransactionStore.PendingTransaction tx : persisted) {
      if (admit(tx) instanceof Admission.Refused r) {
        // only a batch recovered from L1 with other data than the lost one can make this happen
        getContext().getLog().warn("Persisted admitted transaction {} (seq {}) is refused now: {}; dropped",
            r.hash(), tx.seq(), r.message());
        refused++;
      }
    }
    if (!persisted.isEmpty()) {
      getContext().getLog().info("Admitted again the {} transactions persisted before the restart ({} refused)",
          persisted.size() - refused, refused);
    }
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
        .onMessage(PersistAdmitted.class, m -> {
          persistAdmitted();
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
    var tx = new PendingTransactionStore.PendingTransaction(nextSeq, m.raw());
    Admission admission = admit(tx);
    if (admission instanceof Admission.Admitted admitted) {
      nextSeq++;
      if (unanswered.isEmpty()) getContext().getSelf().tell(PersistAdmitted.INSTANCE);
      unanswered.add(new Unanswered(tx, admitted, m.replyTo()));
      if (open.size() >= setup.maxTransactions()) closeOpenBatch("size limit");
    } else {
      m.replyTo().tell(admission);
    }
    return this;
  }

  /** Admits {@code tx} to the pending state and the open batch, closing the open batch first if it does not fit. */
  private Admission admit(PendingTransactionStore.PendingTransaction tx) {
    byte[] raw = tx.raw();
    // close first if it does not fit, so the predicted root of the closed batch excludes it
    if (!open.isEmpty() && !open.fits(raw, setup.maxTransactions())) closeOpenBatch("size limit");
    Admission admission = pending.admit(raw);
    if (admission instanceof Admission.Admitted) {
      if (open.isEmpty()) timers.startSingleTimer(CloseOpenBatch.INSTANCE, setup.maxDelay());
      open = open.add(raw);
      openThroughSeq = tx.seq();
    }
    return admission;
  }

  /**
   * Persists the admissions not yet durable in one write, then answers them. A failed write
   * answers them as not admitted and restarts the actor from the database, whose pending state
   * does not have them.
   */
  private void persistAdmitted() {
    if (unanswered.isEmpty()) return;
    try {
      setup.pendingTransactions().append(unanswered.stream().map(Unanswered::tx).toList());
    } catch (RuntimeException e) {
      refuseUnanswered(e);
      throw e;
    }
    answerUnanswered();
  }

  private void answerUnanswered() {
    unanswered.forEach(u -> u.replyTo().tell(u.admission()));
    unanswered.clear();
  }

  private void refuseUnanswered(RuntimeException why) {
    unanswered.forEach(u -> u.replyTo().tell(new Admission.Refused(u.admission().hash(), Optional.empty(),
        "not admitted: the sequencer could not persist it (" + why.getMessage() + "); send it again")));
    unanswered.clear();
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
   * Seals the pending state, executes and signs the batch, persists it while removing its
   * transactions from the pending ones, and only then answers its admissions not yet answered
   * and wakes the readers of closed batches. A failure here restarts the actor from the
   * database, which admits the persisted transactions again.
   */
  private void closeOpenBatch(String why) {
    timers.cancel(CloseOpenBatch.INSTANCE);
    if (open.isEmpty()) return;
    long clock = setup.clock().millis() / 1000;
    Batch batch = new Batch(head.number() + 1, open.encode(), head.nextTimestamp(clock, l1Timestamp),
        setup.coinbase());
    BatchMessage closed;
    try {
      Hash32 predicted = pending.seal();
      closed = setup.closer().close(head, batch, predicted);
      setup.batches().close(closed, openThroughSeq);
    } catch (RuntimeException e) {
      refuseUnanswered(e);
      throw e;
    }
    getContext().getLog().debug("Closed batch {} at its {}: {} transactions, {} bytes, state root {}",
        batch.number(), why, open.size(), open.encodedBytes(), closed.stateRoot());
    head = SequencerHead.of(closed);
    SequencerMetrics.get(getContext().getSystem()).closed(open.size());
    open = OpenBatch.EMPTY;
    answerUnanswered(); // durable now: in the closed batch
    waiting.removeIf(w -> {
      if (w.request().number() > head.number()) return false;
      w.request().replyTo().tell(head);
      return true;
    });
  }
}
