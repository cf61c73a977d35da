package zkchain.batch;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.web3j.utils.Numeric;
import zkchain.CborSerializable;
import zkchain.protocol.Hash32;

/**
 * One batch of the rollup, from the moment the node first hears of it: its stage (Trusted,
 * Virtual, Consolidated; PROTOCOL.md §1), its data and where they came from, the node's own
 * roots, the L1 facts that moved it, and the history of every transition.
 *
 * <p>Every command is idempotent for the same fact, so stream stages deliver at least once.
 * Transitions caused by an L1 block keep the state from before them, so an L1 reorg undoes
 * exactly what the orphaned block did.
 */
public final class BatchEntity
    extends EventSourcedBehaviorWithEnforcedReplies<BatchEntity.Command, BatchEntity.Event, BatchEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Batch");

  /** Registers batch entities with sharding on this node. */
  public static void init(ActorSystem<?> system) {
    var settings = system.settings().config().getConfig("zkchain");
    int snapshotEvery = settings.getInt("batch.snapshot-every");
    int slices = settings.getInt("heads.slices");
    var metrics = zkchain.infra.Metrics.get(system);
    StageTimer stageTimer = (from, to, time) -> metrics.stageTime(from.label(), to.label(), time);
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> {
      long number = Long.parseLong(ctx.getEntityId());
      return create(number, tagFor(number, slices), snapshotEvery, Clock.systemUTC(), stageTimer);
    }));
  }

  public static EntityRef<Command> ref(ActorSystem<?> system, long number) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_KEY, Long.toString(number));
  }

  public static PersistenceId persistenceId(long number) {
    return PersistenceId.of(ENTITY_KEY.name(), Long.toString(number));
  }

  /** Events are tagged by slice so the stage heads projection runs one instance per slice. */
  public static String tagFor(long number, int slices) {
    return "batch-" + Math.floorMod(number, slices);
  }

  public static Behavior<Command> create(long number, String tag, int snapshotEvery, Clock clock) {
    return create(number, tag, snapshotEvery, clock, StageTimer.NONE);
  }

  /** As above, telling {@code stageTimer} the time of each stage transition as it is persisted. */
  public static Behavior<Command> create(long number, String tag, int snapshotEvery, Clock clock,
                                         StageTimer stageTimer) {
    return new BatchEntity(number, tag, snapshotEvery, clock, stageTimer);
  }

  /**
   * Told how long a batch took from Trusted to Virtual or from Virtual to Consolidated, once, as
   * the transition is persisted: never while the entity replays its journal, and in a cluster only
   * on the member where the entity lives.
   */
  @FunctionalInterface
  public interface StageTimer {
    StageTimer NONE = (from, to, time) -> {};

    void took(Stage from, Stage to, Duration time);
  }

  /** A timed stage transition: {@link State#lastStageTime()}. */
  public record StageTime(Stage from, Stage to, Duration time) {}

  // ---------------------------------------------------------------------------------------------
  // The batch's vocabulary

  public enum Stage {
    @JsonProperty("none") NONE,
    @JsonProperty("trusted") TRUSTED,
    @JsonProperty("virtual") VIRTUAL,
    @JsonProperty("consolidated") CONSOLIDATED;

    /** As JSON and metrics name it. */
    public String label() {
      return name().toLowerCase();
    }
  }

  public enum Source {
    @JsonProperty("feed") FEED,
    @JsonProperty("l1") L1
  }

  /**
   * A batch's content (PROTOCOL.md §4) and where it came from. Commands and events carry the
   * transactions as bytes; an entity's state keeps only their keccak and size, and
   * {@link BatchJournal} reads them back from the journal when they are asked for. Two values
   * are the same data when keccak, size, timestamp, coinbase and source agree, whether or not
   * they hold the bytes: the protocol itself names transactions by their keccak.
   *
   * @param transactions the transactions, or null where only their keccak and size are kept
   */
  public record BatchData(
      byte[] transactions, Hash32 transactionsHash, int size, long timestamp, String coinbase, Source source) {
    public BatchData {
      Objects.requireNonNull(transactionsHash, "transactionsHash");
      Objects.requireNonNull(coinbase, "coinbase");
      Objects.requireNonNull(source, "source");
      if (transactions != null) {
        if (transactions.length != size) {
          throw new IllegalArgumentException("transactions are " + transactions.length + " bytes, not " + size);
        }
        transactions = transactions.clone();
      }
      coinbase = coinbase.toLowerCase();
    }

    public BatchData(byte[] transactions, long timestamp, String coinbase, Source source) {
      this(transactions, Hash32.keccak(transactions), transactions.length, timestamp, coinbase, source);
    }

    /** With the transactions as 0x-hex, as JSON writes them. */
    public BatchData(String transactions, long timestamp, String coinbase, Source source) {
      this(Numeric.hexStringToByteArray(transactions), timestamp, coinbase, source);
    }

    /** A protocol batch's content, heard from {@code source}. */
    public static BatchData of(zkchain.protocol.Batch batch, Source source) {
      return new BatchData(batch.transactions(), batch.timestamp(), batch.coinbase().hex(), source);
    }

    @Override
    public byte[] transactions() {
      return transactions == null ? null : transactions.clone();
    }

    /** The same data with only the keccak and size of its transactions. */
    public BatchData withoutTransactions() {
      return transactions == null ? this : new BatchData(null, transactionsHash, size, timestamp, coinbase, source);
    }

    /** The protocol fields that differ from another version of the same batch. */
    public List<String> differingFields(BatchData other) {
      List<String> fields = new ArrayList<>();
      if (!transactionsHash.equals(other.transactionsHash) || size != other.size) fields.add("transactions");
      if (timestamp != other.timestamp) fields.add("timestamp");
      if (!coinbase.equals(other.coinbase)) fields.add("coinbase");
      return fields;
    }

    public boolean sameContent(BatchData other) {
      return differingFields(other).isEmpty();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BatchData d && sameContent(d) && source == d.source;
    }

    @Override
    public int hashCode() {
      return Objects.hash(transactionsHash, timestamp, coinbase, source);
    }

    @Override
    public String toString() {
      return "BatchData[transactions=" + size + " bytes, keccak " + transactionsHash + (transactions == null
          ? " (not held)" : "") + ", timestamp=" + timestamp + ", coinbase=" + coinbase + ", source=" + source + "]";
    }

    /** As the journal stores it: the transactions as a CBOR byte string, or else their keccak and size. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Stored(byte[] transactions, byte[] transactionsHash, Integer size, long timestamp, String coinbase,
                  Source source) {}

    @JsonValue
    Stored stored() {
      return transactions != null
          ? new Stored(transactions, null, null, timestamp, coinbase, source)
          : new Stored(null, transactionsHash.bytes(), size, timestamp, coinbase, source);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static BatchData fromStored(Stored s) {
      return s.transactions() != null
          ? new BatchData(s.transactions(), s.timestamp(), s.coinbase(), s.source())
          : new BatchData(null, new Hash32(s.transactionsHash()), s.size(), s.timestamp(), s.coinbase(), s.source());
    }
  }

  /** The L1 log that caused a transition. */
  public record L1Ref(long blockNumber, String blockHash, String transactionHash, long logIndex) {
    public L1Ref {
      blockHash = blockHash.toLowerCase();
      transactionHash = transactionHash.toLowerCase();
    }
  }

  // The records of the state below keep batch data without their transactions: the journal has them.

  /** L1 sequenced different data than the feed carried; the L1 version won (PROTOCOL.md §7). */
  public record TrustedReorg(List<String> differingFields, BatchData trusted, BatchData l1) {
    public TrustedReorg {
      trusted = trusted.withoutTransactions();
      l1 = l1.withoutTransactions();
    }
  }

  /** The root verified on L1 differs from the node's own root (PROTOCOL.md §7). */
  public record StateRootMismatch(String verifiedRoot, String ownRoot, L1Ref l1) {}

  /** One line of the batch's history. */
  public record Transition(
      Instant at, String event, Stage from, Stage to, BatchData data, L1Ref l1, List<String> differingFields) {
    public Transition {
      if (data != null) data = data.withoutTransactions();
    }
  }

  /** The state before a transition made by an L1 block, kept so an L1 reorg can restore it. */
  public record L1Applied(L1Ref l1, Core before) {}

  /** Everything an L1 reorg may have to roll back; the history is not part of it. */
  public record Core(
      Stage stage,
      BatchData data,
      String stateRoot,
      String accInputHash,
      L1Ref virtualL1,
      L1Ref consolidatedL1,
      String verifiedRoot,
      TrustedReorg trustedReorg,
      StateRootMismatch stateRootMismatch) {
    static final Core EMPTY = new Core(Stage.NONE, null, null, null, null, null, null, null, null);

    public Core {
      if (data != null) data = data.withoutTransactions();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  public sealed interface Command extends CborSerializable {}

  /** A correctly signed batch from the feed, executed by the node. */
  public record RecordTrusted(BatchData data, String stateRoot, String accInputHash, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /** The batch as sequenced on L1 (its data from calldata), executed by the node. */
  public record Virtualize(
      BatchData data, String stateRoot, String accInputHash, L1Ref l1, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  /**
   * A VerifyBatchesTrustedAggregator event covering this batch. verifiedRoot is the root L1 stores
   * for this batch when it ends the verified range; null for a batch inside the range, which L1
   * verifies only through the range's final root (PROTOCOL.md §5).
   */
  public record Consolidate(String verifiedRoot, L1Ref l1, ActorRef<StatusReply<State>> replyTo) implements Command {}

  /** An earlier batch was trusted-reorged; a Trusted batch after it that is not Virtual is discarded. */
  public record DiscardTrusted(long reorgedBatch, ActorRef<StatusReply<State>> replyTo) implements Command {}

  /** The L1 block with this hash is orphaned: undo whatever it (and anything after it) did here. */
  public record UndoL1Block(String blockHash, ActorRef<StatusReply<State>> replyTo) implements Command {}

  public record Get(ActorRef<State> replyTo) implements Command {}

  // ---------------------------------------------------------------------------------------------
  // Events: each carries the batch number and the stage after it, so read sides never ask the entity.

  public sealed interface Event extends CborSerializable {
    long number();

    Instant at();

    Stage stageAfter();

    default boolean stateRootMismatchOpenAfter() {
      return false;
    }

    /** The batch data this event names; those holding their transactions are where the journal keeps them. */
    default List<BatchData> carriedData() {
      return List.of();
    }
  }

  /** data holds its transactions unless an earlier event of this batch holds the same ones. */
  public record TrustedRecorded(long number, BatchData data, String stateRoot, String accInputHash, Instant at)
      implements Event {
    public Stage stageAfter() {
      return Stage.TRUSTED;
    }

    @Override
    public List<BatchData> carriedData() {
      return List.of(data);
    }
  }

  /**
   * Non-empty differingFields make this a trusted reorg: trustedData is the version L1 replaced,
   * without its transactions. data holds its transactions unless an earlier event of this batch
   * holds the same ones: L1 sequencing the Trusted data only changes their source.
   */
  public record Virtualized(
      long number,
      BatchData data,
      String stateRoot,
      String accInputHash,
      L1Ref l1,
      List<String> differingFields,
      BatchData trustedData,
      Instant at)
      implements Event {
    public Stage stageAfter() {
      return Stage.VIRTUAL;
    }

    @Override
    public List<BatchData> carriedData() {
      return trustedData == null ? List.of(data) : List.of(data, trustedData);
    }
  }

  public record Consolidated(long number, String verifiedRoot, L1Ref l1, Instant at) implements Event {
    public Stage stageAfter() {
      return Stage.CONSOLIDATED;
    }
  }

  /** Verified on L1 with a root the node did not compute: the batch stays Virtual, the mismatch is open. */
  public record StateRootMismatched(long number, String verifiedRoot, String ownRoot, L1Ref l1, Instant at)
      implements Event {
    public Stage stageAfter() {
      return Stage.VIRTUAL;
    }

    @Override
    public boolean stateRootMismatchOpenAfter() {
      return true;
    }
  }

  /** data without its transactions: they are in the event that recorded them. */
  public record TrustedDiscarded(long number, long reorgedBatch, BatchData data, Instant at) implements Event {
    public Stage stageAfter() {
      return Stage.NONE;
    }

    @Override
    public List<BatchData> carriedData() {
      return List.of(data);
    }
  }

  public record L1BlockUndone(
      long number, String blockHash, Stage stageAfter, boolean stateRootMismatchOpenAfter, Instant at)
      implements Event {}

  // ---------------------------------------------------------------------------------------------
  // State: the current Core, the L1 transitions that can still be undone, and the history.

  public record State(long number, Core current, List<L1Applied> l1Applied, List<Transition> history)
      implements CborSerializable {

    private static final String UNDONE = "l1-reorg-undone";

    public static State empty(long number) {
      return new State(number, Core.EMPTY, List.of(), List.of());
    }

    public Stage stage() {
      return current.stage();
    }

    /** A batch the node has never heard of. */
    public boolean isUnknown() {
      return history.isEmpty();
    }

    State trustedRecorded(TrustedRecorded e) {
      BatchData data = e.data().withoutTransactions(); // one instance for the current data and the history
      Core next = new Core(Stage.TRUSTED, data, e.stateRoot(), e.accInputHash(), null, null, null, null, null);
      return move(next, null, new Transition(e.at(), "trusted-recorded", stage(), next.stage(), data, null, List.of()));
    }

    State virtualized(Virtualized e) {
      BatchData data = e.data().withoutTransactions();
      TrustedReorg reorg = e.differingFields().isEmpty()
          ? current.trustedReorg()
          : new TrustedReorg(e.differingFields(), e.trustedData(), data);
      Core next = new Core(Stage.VIRTUAL, data, e.stateRoot(), e.accInputHash(), e.l1(), null, null, reorg, null);
      String event = e.differingFields().isEmpty() ? "virtualized" : "trusted-reorg";
      return move(next, e.l1(),
          new Transition(e.at(), event, stage(), next.stage(), data, e.l1(), e.differingFields()));
    }

    State consolidated(Consolidated e) {
      Core next = new Core(Stage.CONSOLIDATED, current.data(), current.stateRoot(), current.accInputHash(),
          current.virtualL1(), e.l1(), e.verifiedRoot(), current.trustedReorg(), null);
      return move(next, e.l1(),
          new Transition(e.at(), "consolidated", stage(), next.stage(), null, e.l1(), List.of()));
    }

    State stateRootMismatched(StateRootMismatched e) {
      Core next = new Core(Stage.VIRTUAL, current.data(), current.stateRoot(), current.accInputHash(),
          current.virtualL1(), null, e.verifiedRoot(), current.trustedReorg(),
          new StateRootMismatch(e.verifiedRoot(), e.ownRoot(), e.l1()));
      return move(next, e.l1(),
          new Transition(e.at(), "state-root-mismatch", stage(), next.stage(), null, e.l1(), List.of()));
    }

    State trustedDiscarded(TrustedDiscarded e) {
      return move(Core.EMPTY, null,
          new Transition(e.at(), "trusted-discarded", stage(), Stage.NONE, e.data(), null, List.of()));
    }

    State l1BlockUndone(L1BlockUndone e) {
      int index = firstAppliedBy(e.blockHash());
      L1Applied undone = l1Applied.get(index);
      var next = new State(number, undone.before(), List.copyOf(l1Applied.subList(0, index)), history);
      return next.withHistory(new Transition(e.at(), UNDONE, stage(), undone.before().stage(),
          null, undone.l1(), List.of()));
    }

    /**
     * When the last transition took the batch from Trusted to Virtual or from Virtual to
     * Consolidated: the time since it entered the stage it left. An L1 reorg that undid a later
     * stage put it back where it had been, so it is not an entry: the time counts from the
     * transition that first brought it there. Empty for any other transition.
     */
    public Optional<StageTime> lastStageTime() {
      if (history.isEmpty()) return Optional.empty();
      Transition last = history.get(history.size() - 1);
      boolean timed = (last.from() == Stage.TRUSTED && last.to() == Stage.VIRTUAL)
          || (last.from() == Stage.VIRTUAL && last.to() == Stage.CONSOLIDATED);
      if (!timed) return Optional.empty();
      for (int i = history.size() - 2; i >= 0; i--) {
        Transition entered = history.get(i);
        if (entered.to() == last.from() && entered.from() != last.from() && !entered.event().equals(UNDONE)) {
          return Optional.of(new StageTime(last.from(), last.to(), Duration.between(entered.at(), last.at())));
        }
      }
      return Optional.empty();
    }

    /** Whether an event of this batch holds transactions with this keccak: each version its history names. */
    public boolean holdsTransactions(Hash32 keccak) {
      return history.stream().anyMatch(t -> t.data() != null && t.data().transactionsHash().equals(keccak));
    }

    /** The data as a new event stores them: without the transactions when an earlier event holds them. */
    BatchData toStore(BatchData data) {
      return holdsTransactions(data.transactionsHash()) ? data.withoutTransactions() : data;
    }

    /** Index of the earliest transition still standing that the L1 block caused, or -1. */
    public int firstAppliedBy(String blockHash) {
      String hash = blockHash.toLowerCase();
      for (int i = 0; i < l1Applied.size(); i++) {
        if (l1Applied.get(i).l1().blockHash().equals(hash)) return i;
      }
      return -1;
    }

    private State move(Core next, L1Ref causedByL1Block, Transition transition) {
      List<L1Applied> applied = l1Applied;
      if (causedByL1Block != null) {
        applied = new ArrayList<>(l1Applied);
        applied.add(new L1Applied(causedByL1Block, current));
      } else if (next.stage() == Stage.NONE || next.stage() == Stage.TRUSTED) {
        applied = List.of(); // nothing from L1 stands any more
      }
      return new State(number, next, List.copyOf(applied), history).withHistory(transition);
    }

    private State withHistory(Transition transition) {
      List<Transition> h = new ArrayList<>(history);
      h.add(transition);
      return new State(number, current, l1Applied, List.copyOf(h));
    }
  }

  // ---------------------------------------------------------------------------------------------

  private final long number;
  private final String tag;
  private final int snapshotEvery;
  private final Clock clock;
  private final StageTimer stageTimer;

  private BatchEntity(long number, String tag, int snapshotEvery, Clock clock, StageTimer stageTimer) {
    super(persistenceId(number));
    this.number = number;
    this.tag = tag;
    this.snapshotEvery = snapshotEvery;
    this.clock = clock;
    this.stageTimer = stageTimer;
  }

  @Override
  public State emptyState() {
    return State.empty(number);
  }

  /** Old snapshots go, events stay: they are where the transactions are read back (BatchJournal). */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(snapshotEvery, 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(tag);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> b = newCommandHandlerWithReplyBuilder();
    b.forState(s -> s.stage() == Stage.NONE)
        .onCommand(RecordTrusted.class, (s, cmd) -> persist(
            new TrustedRecorded(number, s.toStore(cmd.data()), cmd.stateRoot(), cmd.accInputHash(), now()),
            cmd.replyTo()))
        .onCommand(Virtualize.class, (s, cmd) -> persist(new Virtualized(number, s.toStore(cmd.data()),
            cmd.stateRoot(), cmd.accInputHash(), cmd.l1(), List.of(), null, now()), cmd.replyTo()))
        .onCommand(Consolidate.class, this::refuseNotVirtual)
        .onCommand(DiscardTrusted.class, (s, cmd) -> ok(s, cmd.replyTo()));
    b.forState(s -> s.stage() == Stage.TRUSTED)
        .onCommand(RecordTrusted.class, this::onTrustedAgain)
        .onCommand(Virtualize.class, this::onVirtualizeTrusted)
        .onCommand(Consolidate.class, this::refuseNotVirtual)
        .onCommand(DiscardTrusted.class, (s, cmd) -> persist(
            new TrustedDiscarded(number, cmd.reorgedBatch(), s.current().data(), now()), cmd.replyTo()));
    b.forState(s -> s.stage() == Stage.VIRTUAL)
        .onCommand(RecordTrusted.class, this::onFeedAfterL1)
        .onCommand(Virtualize.class, this::onVirtualizeAgain)
        .onCommand(Consolidate.class, this::onConsolidate)
        .onCommand(DiscardTrusted.class, this::refuseDiscard);
    b.forState(s -> s.stage() == Stage.CONSOLIDATED)
        .onCommand(RecordTrusted.class, this::onFeedAfterL1)
        .onCommand(Virtualize.class, this::onVirtualizeAgain)
        .onCommand(Consolidate.class, this::onConsolidateAgain)
        .onCommand(DiscardTrusted.class, this::refuseDiscard);
    b.forAnyState()
        .onCommand(UndoL1Block.class, this::onUndoL1Block)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state));
    return b.build();
  }

  /** The same feed batch again persists nothing; a different version of a Trusted batch is refused. */
  private ReplyEffect<Event, State> onTrustedAgain(State state, RecordTrusted cmd) {
    Core c = state.current();
    if (c.data().sameContent(cmd.data()) && c.stateRoot().equals(cmd.stateRoot())) return ok(state, cmd.replyTo());
    return refuse(cmd.replyTo(), "batch " + number + " is already Trusted with different "
        + c.data().differingFields(cmd.data()) + "; the new feed version is ignored");
  }

  /** L1 is authoritative: a feed version arriving after L1 is only accepted when it is the same. */
  private ReplyEffect<Event, State> onFeedAfterL1(State state, RecordTrusted cmd) {
    Core c = state.current();
    if (c.data().sameContent(cmd.data())) return ok(state, cmd.replyTo()); // the feed caught up with L1
    return refuse(cmd.replyTo(), "batch " + number + " is " + c.stage().name().toLowerCase()
        + " with the L1 version; a feed version with different " + c.data().differingFields(cmd.data())
        + " is ignored");
  }

  /** Different data on L1 than on the feed is a trusted reorg: the L1 version wins (PROTOCOL.md §7). */
  private ReplyEffect<Event, State> onVirtualizeTrusted(State state, Virtualize cmd) {
    Core c = state.current();
    List<String> differing = c.data().differingFields(cmd.data());
    return persist(new Virtualized(number, state.toStore(cmd.data()), cmd.stateRoot(), cmd.accInputHash(), cmd.l1(),
        differing, differing.isEmpty() ? null : c.data(), now()), cmd.replyTo());
  }

  private ReplyEffect<Event, State> onVirtualizeAgain(State state, Virtualize cmd) {
    L1Ref virtual = state.current().virtualL1();
    if (virtual.equals(cmd.l1())) return ok(state, cmd.replyTo());
    return refuse(cmd.replyTo(), "batch " + number + " is already Virtual from L1 block "
        + virtual.blockNumber() + " (" + virtual.blockHash() + "); undo that block before sequencing it again");
  }

  private ReplyEffect<Event, State> onConsolidate(State state, Consolidate cmd) {
    Core c = state.current();
    StateRootMismatch open = c.stateRootMismatch();
    if (open != null && open.l1().equals(cmd.l1())) return ok(state, cmd.replyTo());
    if (cmd.verifiedRoot() == null) {
      return persist(new Consolidated(number, null, cmd.l1(), now()), cmd.replyTo());
    }
    if (!cmd.verifiedRoot().equalsIgnoreCase(c.stateRoot())) {
      return persist(new StateRootMismatched(number, cmd.verifiedRoot().toLowerCase(), c.stateRoot(), cmd.l1(), now()),
          cmd.replyTo());
    }
    return persist(new Consolidated(number, cmd.verifiedRoot().toLowerCase(), cmd.l1(), now()), cmd.replyTo());
  }

  private ReplyEffect<Event, State> onConsolidateAgain(State state, Consolidate cmd) {
    L1Ref consolidated = state.current().consolidatedL1();
    if (consolidated.equals(cmd.l1())) return ok(state, cmd.replyTo());
    return refuse(cmd.replyTo(), "batch " + number + " is already Consolidated by L1 block "
        + consolidated.blockNumber() + " (" + consolidated.blockHash() + ")");
  }

  private ReplyEffect<Event, State> refuseNotVirtual(State state, Consolidate cmd) {
    return refuse(cmd.replyTo(), "batch " + number + " is " + state.stage().name().toLowerCase()
        + ", not Virtual: it cannot be Consolidated before it is sequenced on L1");
  }

  private ReplyEffect<Event, State> refuseDiscard(State state, DiscardTrusted cmd) {
    return refuse(cmd.replyTo(), "batch " + number + " is " + state.stage().name().toLowerCase()
        + "; only a Trusted batch is discarded after a trusted reorg of batch " + cmd.reorgedBatch());
  }

  private ReplyEffect<Event, State> onUndoL1Block(State state, UndoL1Block cmd) {
    int index = state.firstAppliedBy(cmd.blockHash());
    if (index < 0) return ok(state, cmd.replyTo()); // that block changed nothing here, or it is undone already
    Core restored = state.l1Applied().get(index).before();
    return persist(new L1BlockUndone(number, cmd.blockHash().toLowerCase(), restored.stage(),
        restored.stateRootMismatch() != null, now()), cmd.replyTo());
  }

  private ReplyEffect<Event, State> persist(Event event, ActorRef<StatusReply<State>> replyTo) {
    // thenRun runs after this persist only, never on replay: each live transition is timed once
    return Effect().persist(event)
        .thenRun(after -> after.lastStageTime().ifPresent(t -> stageTimer.took(t.from(), t.to(), t.time())))
        .thenReply(replyTo, StatusReply::success);
  }

  private ReplyEffect<Event, State> ok(State state, ActorRef<StatusReply<State>> replyTo) {
    return Effect().reply(replyTo, StatusReply.success(state));
  }

  private ReplyEffect<Event, State> refuse(ActorRef<StatusReply<State>> replyTo, String why) {
    return Effect().reply(replyTo, StatusReply.error(why));
  }

  private Instant now() {
    return clock.instant();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TrustedRecorded.class, State::trustedRecorded)
        .onEvent(Virtualized.class, State::virtualized)
        .onEvent(Consolidated.class, State::consolidated)
        .onEvent(StateRootMismatched.class, State::stateRootMismatched)
        .onEvent(TrustedDiscarded.class, State::trustedDiscarded)
        .onEvent(L1BlockUndone.class, State::l1BlockUndone)
        .build();
  }
}
