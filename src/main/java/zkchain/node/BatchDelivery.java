package zkchain.node;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.pattern.StatusReply;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.batch.BatchEntity.State;
import zkchain.batch.BatchEntity;
import zkchain.derive.BatchExecution.Derived;
import zkchain.derive.BatchExecution.OrphanedBlocks;
import zkchain.derive.BatchExecution.SequencedBatch;
import zkchain.derive.BatchExecution.VerifiedRange;
import zkchain.derive.BatchExecution;
import zkchain.derive.L1Status;
import zkchain.l1.L1Log;

/**
 * Delivers what an L1 step means to the batch entities, at least once, as their commands: a
 * sequenced batch is Virtualize, a verified range Consolidate, orphaned blocks UndoL1Block. Many
 * batches at a time, each batch's commands in order, and one kind after the other so a batch is
 * Virtual before it is Consolidated. The step is done when every entity has answered.
 *
 * <p>A refusal is logged once and counted; it never stops the sync (the entity says why, and a
 * re-delivery of the same fact is always accepted).
 */
public final class BatchDelivery {
  private static final Logger log = LoggerFactory.getLogger(BatchDelivery.class);

  private final ActorSystem<?> system;
  private final int parallelism;
  private final Duration timeout;
  private final L1Status status;
  private final TrustedChain trustedChain;

  public BatchDelivery(ActorSystem<?> system, int parallelism, Duration timeout, L1Status status,
      TrustedChain trustedChain) {
    this.system = system;
    this.parallelism = parallelism;
    this.timeout = timeout;
    this.status = status;
    this.trustedChain = trustedChain;
  }

  public CompletionStage<BatchExecution.Planned> deliver(BatchExecution.Planned planned) {
    CompletionStage<Done> done = CompletableFuture.completedFuture(Done.getInstance());
    AtomicBoolean trustedReorg = new AtomicBoolean(false);
    for (List<Derived> run : runsOfOneKind(planned.derived())) {
      done = done.thenCompose(d -> Source.from(run)
          .mapAsync(parallelism, delivery -> deliverOne(delivery, trustedReorg))
          .runWith(Sink.ignore(), system));
    }
    return done
        .thenCompose(d -> trustedReorg.get()
            ? discardTrustedAfter(planned.view().lastVirtual())
            : CompletableFuture.completedFuture(d))
        .thenApply(d -> {
          // Trusted batches changed under the feed door: its chain head is read again; else L1 has
          // the batches the door recorded and derivation will not ask for them again
          if (trustedReorg.get() || planned.derived().stream().anyMatch(x -> x instanceof OrphanedBlocks)) {
            trustedChain.reset();
          } else {
            trustedChain.sequenced(planned.view().lastVirtual());
          }
          return planned;
        });
  }

  private CompletionStage<Done> deliverOne(Derived delivery, AtomicBoolean trustedReorg) {
    if (delivery instanceof SequencedBatch v) {
      long number = v.batch().number();
      BatchEntity.BatchData data = BatchEntity.BatchData.of(v.batch(), BatchEntity.Source.L1);
      BatchEntity.L1Ref l1 = ref(v.l1());
      return ask(number, r -> new BatchEntity.Virtualize(data, v.stateRoot().hex(), v.accInputHash().hex(), l1, r))
          .thenApply(s -> {
            if (s != null && l1.equals(s.current().virtualL1()) && s.current().trustedReorg() != null
                && s.current().trustedReorg().l1().equals(data)) {
              log.warn("trusted reorg of batch {}: L1 block {} sequenced different {}", number,
                  l1.blockNumber(), s.current().trustedReorg().differingFields());
              trustedReorg.set(true);
            }
            return Done.getInstance();
          });
    }
    if (delivery instanceof VerifiedRange c) {
      return consolidate(c);
    }
    OrphanedBlocks u = (OrphanedBlocks) delivery;
    return Source.from(LongStream.rangeClosed(u.fromBatch(), u.toBatch()).boxed().toList())
        .mapAsync(parallelism, n -> undo(n, u.blockHashes()))
        .runWith(Sink.ignore(), system);
  }

  /** The range's last batch first: its root is the one L1 verified; a mismatch stops the range there. */
  private CompletionStage<Done> consolidate(VerifiedRange c) {
    BatchEntity.L1Ref l1 = ref(c.l1());
    return ask(c.toBatch(), r -> new BatchEntity.Consolidate(c.verifiedRoot().hex(), l1, r))
        .thenCompose(last -> {
          if (last != null && last.current().stateRootMismatch() != null) {
            log.error("state root mismatch at batch {}: L1 verified {} in L1 block {}, the node computed {}; "
                    + "the Consolidated head stops below it", c.toBatch(), c.verifiedRoot(), l1.blockNumber(),
                last.current().stateRoot());
            return CompletableFuture.completedFuture(Done.getInstance());
          }
          return Source.from(LongStream.range(c.afterBatch() + 1, c.toBatch()).boxed().toList())
              .mapAsync(parallelism, n -> ask(n, r -> new BatchEntity.Consolidate(null, l1, r)))
              .runWith(Sink.ignore(), system);
        });
  }

  private CompletionStage<Done> undo(long number, List<String> blockHashes) {
    CompletionStage<State> chain = CompletableFuture.completedFuture(null);
    for (String hash : blockHashes) {
      chain = chain.thenCompose(s -> ask(number, r -> new BatchEntity.UndoL1Block(hash, r)));
    }
    return chain.thenApply(s -> Done.getInstance());
  }

  /** After a trusted reorg, the Trusted batches above the Virtual head are discarded (PROTOCOL.md §7). */
  private CompletionStage<Done> discardTrustedAfter(long lastVirtual) {
    return discardFrom(lastVirtual + 1, lastVirtual);
  }

  private CompletionStage<Done> discardFrom(long number, long reorgedUpTo) {
    return BatchEntity.ref(system, number).ask(BatchEntity.Get::new, timeout).thenCompose(s -> {
      if (s.stage() != BatchEntity.Stage.TRUSTED) return CompletableFuture.completedFuture(Done.getInstance());
      return ask(number, r -> new BatchEntity.DiscardTrusted(reorgedUpTo, r))
          .thenCompose(d -> discardFrom(number + 1, reorgedUpTo));
    });
  }

  /** The entity's state after the command, or null when it refused (logged and counted). */
  private CompletionStage<State> ask(long number, Function<ActorRef<StatusReply<State>>, BatchEntity.Command> command) {
    return BatchEntity.ref(system, number).<StatusReply<State>>ask(command::apply, timeout).thenApply(reply -> {
      if (reply.isSuccess()) return reply.getValue();
      log.warn("batch {} refused an L1 command: {}", number, reply.getError().getMessage());
      status.refused();
      return null;
    });
  }

  private static BatchEntity.L1Ref ref(L1Log log) {
    return new BatchEntity.L1Ref(log.blockNumber(), log.blockHash(), log.txHash(), log.logIndex());
  }

  private static List<List<Derived>> runsOfOneKind(List<Derived> deliveries) {
    List<List<Derived>> runs = new ArrayList<>();
    for (Derived d : deliveries) {
      if (runs.isEmpty() || runs.get(runs.size() - 1).get(0).getClass() != d.getClass()) runs.add(new ArrayList<>());
      runs.get(runs.size() - 1).add(d);
    }
    return runs;
  }
}
