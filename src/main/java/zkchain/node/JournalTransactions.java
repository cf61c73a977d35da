package zkchain.node;

import akka.actor.typed.ActorSystem;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import zkchain.batch.BatchEntity;
import zkchain.batch.BatchJournal;
import zkchain.feed.JdbcFeedLog;
import zkchain.protocol.Hash32;

/**
 * The node's journal as its feed log's store of transactions. Whether it holds a version is asked
 * of the batch entity, whose history names every version its events hold (no journal read on the
 * relay's path); the transactions themselves are read from the journal when the feed is served.
 */
public final class JournalTransactions implements JdbcFeedLog.Transactions {
  private final ActorSystem<?> system;
  private final BatchJournal journal;
  private final Duration timeout;

  public JournalTransactions(ActorSystem<?> system) {
    this.system = system;
    this.journal = new BatchJournal(system);
    this.timeout = system.settings().config().getDuration("zkchain.batch.ask-timeout");
  }

  @Override
  public CompletionStage<Boolean> holds(long number, Hash32 keccak) {
    return BatchEntity.ref(system, number).ask(BatchEntity.Get::new, timeout)
        .thenApply(state -> state.holdsTransactions(keccak));
  }

  @Override
  public CompletionStage<Optional<byte[]>> find(long number, Hash32 keccak) {
    return journal.transactionsOf(number, keccak);
  }
}
