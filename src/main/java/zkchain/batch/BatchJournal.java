package zkchain.batch;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.persistence.jdbc.query.javadsl.JdbcReadJournal;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.PersistenceQuery;
import akka.stream.javadsl.Sink;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import zkchain.protocol.Hash32;

/**
 * A batch's journal read back through the read journal: its events, and the transactions they
 * hold, which the entity's state does not keep. The HTTP view and a relay's feed log read them
 * here. Every version of a batch's transactions its node ever took stays in the journal: events
 * are never deleted ({@link BatchEntity#retentionCriteria}).
 */
public final class BatchJournal {
  private final ActorSystem<?> system;
  private final JdbcReadJournal readJournal;

  public BatchJournal(ActorSystem<?> system) {
    this.system = system;
    this.readJournal = PersistenceQuery.get(Adapter.toClassic(system))
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
  }

  /** Batch {@code number}'s events in order; none for a batch the node never heard of. */
  public CompletionStage<List<EventEnvelope>> events(long number) {
    return readJournal.currentEventsByPersistenceId(BatchEntity.persistenceId(number).id(), 0L, Long.MAX_VALUE)
        .runWith(Sink.seq(), system);
  }

  /** Every version of batch {@code number}'s transactions its journal holds, by keccak. */
  public CompletionStage<Map<Hash32, byte[]>> transactions(long number) {
    return events(number).thenApply(BatchJournal::transactionsIn);
  }

  /** The transactions of batch {@code number} with this keccak, if its journal holds them. */
  public CompletionStage<Optional<byte[]>> transactionsOf(long number, Hash32 keccak) {
    return transactions(number).thenApply(all -> Optional.ofNullable(all.get(keccak)));
  }

  static Map<Hash32, byte[]> transactionsIn(List<EventEnvelope> events) {
    return transactionsOf(events.stream().map(e -> (BatchEntity.Event) e.event()).toList());
  }

  static Map<Hash32, byte[]> transactionsOf(List<BatchEntity.Event> events) {
    Map<Hash32, byte[]> out = new HashMap<>();
    for (BatchEntity.Event e : events) {
      for (BatchEntity.BatchData data : e.carriedData()) {
        byte[] transactions = data.transactions();
        if (transactions != null) out.putIfAbsent(data.transactionsHash(), transactions);
      }
    }
    return out;
  }
}
