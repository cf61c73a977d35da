package zkchain.node;

import akka.actor.typed.ActorSystem;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import zkchain.batch.BatchEntity;
import zkchain.derive.BatchExecution;
import zkchain.protocol.Hash32;

/**
 * What the node's two doors share about the batches the feed door executed: the recent ones
 * recorded Trusted (number, accInputHash, state root), so that L1 derivation takes their root
 * instead of executing them again, and an epoch the L1 door moves whenever it changes Trusted
 * batches under the feed door (a trusted reorg discards them, an L1 reorg undoes Virtual ones),
 * so the feed door's chain head, kept in memory, is read again from the journal.
 *
 * <p>Memory stays bounded: a batch is forgotten once L1 sequenced it, and at most
 * {@code capacity} are kept. A batch not in memory (after a restart) is asked of its entity, up
 * to the highest batch the feed door recorded.
 */
public final class TrustedChain implements BatchExecution.AlreadyExecuted {
  private record Executed(Hash32 accInputHash, Hash32 stateRoot) {}

  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final int capacity;
  private final ConcurrentSkipListMap<Long, Executed> recent = new ConcurrentSkipListMap<>();
  private final AtomicLong highestRecorded = new AtomicLong();
  private final AtomicLong epoch = new AtomicLong();

  public TrustedChain(ActorSystem<?> system, Duration askTimeout, int capacity) {
    this.system = system;
    this.askTimeout = askTimeout;
    this.capacity = capacity;
  }

  /** The feed door recorded batch {@code number} Trusted with these roots. */
  void recorded(long number, Hash32 accInputHash, Hash32 stateRoot) {
    recent.put(number, new Executed(accInputHash, stateRoot));
    highestRecorded.accumulateAndGet(number, Math::max);
    while (recent.size() > capacity) recent.pollFirstEntry();
  }

  /** The feed door's chain head, read from the journal, is at {@code number}. */
  void resumedAt(long number) {
    highestRecorded.accumulateAndGet(number, Math::max);
  }

  /** L1 sequenced the batches up to {@code number}: derivation will not ask for them again. */
  void sequenced(long number) {
    recent.headMap(number, true).clear();
  }

  /** Trusted batches changed under the feed door; its head must be read again. */
  void reset() {
    epoch.incrementAndGet();
    recent.clear();
  }

  long epoch() {
    return epoch.get();
  }

  /** Blocking when the batch is not in memory: derivation plans on the blocking dispatcher. */
  @Override
  public Optional<Hash32> stateRoot(long number, Hash32 accInputHash) {
    Executed known = recent.get(number);
    if (known != null) {
      return known.accInputHash().equals(accInputHash) ? Optional.of(known.stateRoot()) : Optional.empty();
    }
    if (number > highestRecorded.get()) return Optional.empty();
    BatchEntity.State state = BatchEntity.ref(system, number).ask(BatchEntity.Get::new, askTimeout)
        .toCompletableFuture().join();
    var c = state.current();
    boolean same = state.stage() == BatchEntity.Stage.TRUSTED && accInputHash.hex().equalsIgnoreCase(c.accInputHash());
    return same ? Optional.of(Hash32.of(c.stateRoot())) : Optional.empty();
  }
}
