package zkchain.state;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import zkchain.batch.JournalledBatch;
import zkchain.execution.TransactionOutcome;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.MerklePatriciaTrie;
import zkchain.execution.ScratchNodeStore;
import zkchain.infra.Database;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Hash32;

/**
 * {@code GET /batches/{n}/replay} on a running node: batch n re-executed from its journalled data
 * on its parent's root, over a scratch store layered on the node's own, so nothing is written.
 * Runs on the blocking dispatcher.
 */
public final class LiveBatchReplay {
  /** The answer: whether the recomputed roots are the journalled ones, and both. */
  public record Answer(long number, String stage, boolean match, String parentStateRoot, String stateRoot,
                       String recomputedStateRoot, String accInputHash, String recomputedAccInputHash,
                       String verifiedRoot, int transactions, List<String> divergences, List<Outcome> outcomes) {}

  /**
   * One transaction of the batch as its re-execution treated it: {@code applied}, with sender,
   * recipient, value and fee in wei, or {@code skipped} with the protocol's reason and the detail.
   */
  public record Outcome(int index, String hash, String outcome, String sender, String to, String value, String fee,
                        String reason, String detail) {
    static Outcome of(TransactionOutcome o) {
      if (o instanceof TransactionOutcome.Applied a) {
        return new Outcome(a.index(), a.hash().hex(), "applied", a.sender().hex(), a.to().hex(),
            a.value().toString(), a.fee().toString(), null, null);
      }
      var s = (TransactionOutcome.Skipped) o;
      return new Outcome(s.index(), s.hash().hex(), "skipped", null, null, null, null, s.reason().word(), s.detail());
    }
  }

  /** The batch cannot be replayed here: its parent's root is gone (pruned) or its journal is inconsistent. */
  public static final class NotReplayable extends RuntimeException {
    public NotReplayable(String message) {
      super(message);
    }
  }

  private final Replay.Journal journal;
  private final Genesis genesis;
  private final Hash32 genesisRoot;
  private final JdbcNodeStore store;
  private final java.util.concurrent.Executor blocking;

  public LiveBatchReplay(ActorSystem<?> system) {
    this.journal = new Replay.Journal(system);
    this.genesis = Genesis.load(Path.of(system.settings().config().getString("zkchain.genesis-file")));
    this.genesisRoot = genesis.write(new InMemoryNodeStore());
    this.store = new JdbcNodeStore(Database.get(system).dataSource());
    this.blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
  }

  /** Empty when the node has no data for batch {@code number}. */
  public CompletionStage<Optional<Answer>> replay(long number) {
    if (number == 0) return CompletableFuture.completedFuture(Optional.empty());
    CompletionStage<List<zkchain.batch.BatchEntity.Event>> parentEvents = number == 1
        ? CompletableFuture.completedFuture(List.of()) : journal.events(number - 1);
    return journal.events(number).thenCombine(parentEvents, (events, parent) -> new Object[] {events, parent})
        .thenApplyAsync(both -> {
          @SuppressWarnings("unchecked") var events = (List<zkchain.batch.BatchEntity.Event>) both[0];
          @SuppressWarnings("unchecked") var parentList = (List<zkchain.batch.BatchEntity.Event>) both[1];
          JournalledBatch batch;
          try {
            batch = JournalledBatch.of(number, events);
          } catch (IllegalStateException e) {
            throw new NotReplayable(e.getMessage());
          }
          if (!batch.hasData()) return Optional.<Answer>empty();
          Hash32 parentRoot = genesisRoot;
          Hash32 parentAcc = AccInputHash.GENESIS;
          if (number > 1) {
            JournalledBatch parent = JournalledBatch.of(number - 1, parentList);
            if (!parent.hasData()) throw new NotReplayable("batch " + (number - 1) + ", its parent, has no data");
            parentRoot = parent.stateRoot();
            parentAcc = parent.accInputHash();
          }
          Executor executor = new Executor(new ScratchNodeStore(store), genesis.chainConfig());
          BatchReplay r;
          try {
            r = BatchReplay.of(batch, executor.prepare(batch.batch()), executor, parentRoot, parentAcc);
          } catch (MerklePatriciaTrie.MissingNodeException e) {
            throw new NotReplayable("the state of batch " + (number - 1) + " (root " + parentRoot.hex()
                + ") is no longer in the node store (pruned: zkchain.state.keep-roots): " + e.getMessage());
          }
          Hash32 verified = batch.verifiedRoot();
          return Optional.of(new Answer(number, batch.stage().name().toLowerCase(), !r.diverges(), parentRoot.hex(),
              batch.stateRoot().hex(), r.stateRoot().hex(), batch.accInputHash().hex(), r.accInputHash().hex(),
              verified == null ? null : verified.hex(), r.transactions(), r.divergences(),
              r.outcomes().stream().map(Outcome::of).toList()));
        }, blocking);
  }
}
