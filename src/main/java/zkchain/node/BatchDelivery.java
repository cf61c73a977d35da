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
import zkchain.batch.BatchEntity;
import zkchain.batch.BatchEntity.State;
import zkchain.node.BatchExecution.ConsolidateRange;
import zkchain.node.BatchExecution.Delivery;
import zkchain.node.BatchExecution.UndoBlocks;
import zkchain.node.BatchExecution.VirtualizeBatch;

/**
 * Delivers a step's commands to the batch entities, at least once: many batches at a time, each
 * batch's commands in order, and one kind of command after the other so a batch is Virtual
 * before it is Consolidated. The step is done when every entity has answered.
 *
 * <p>A refusal is logged once and counted; it never stops the sync (the entity says why, and a
 * re-delivery of the same fact is always accepted).
 */
public final class BatchDelivery {
  private static final Logger log = LoggerFactory.getLogger(BatchDelivery.class);

  private final ActorSystem<?> system;
  private final int parallelism;
  private final Duration timeout;

  public BatchDelivery(ActorSystem<?> system, int parallelism, Duration timeout) {
    this.system = system;
    this.parallelism = parallelism;
    this.timeout = timeout;
  }

  public CompletionStage<BatchExecution.Planned> deliver(BatchExecution.Planned planned) {
    CompletionStage<Done> done = CompletableFuture.completedFuture(Done.getInstance());
    AtomicBoolean trustedReorg = new AtomicBoolean(false);
    for (List<Delivery> run : runsOfOneKind(planned.deliveries())) {
      done = done.thenCompose(d -> Source.from(run)
          .mapAsync(parallelism, delivery -> deliverOne(delivery, trustedReorg))
          .runWith(Sink.ignore(), system));
    }
    return done
        .thenCompose(d -> trustedReorg.get()
            ? discardTrustedAfter(planned.view().lastVirtual())
            : CompletableFuture.completedFuture(d))
        .thenApply(d -> planned);
  }

  private CompletionStage<Done> deliverOne(Delivery delivery, AtomicBoolean trustedReorg) {
    if (delivery instanceof VirtualizeBatch v) {
      return ask(v.number(), r -> new BatchEntity.Virtualize(v.data(), v.stateRoot(), v.accInputHash(), v.l1(), r))
          .thenApply(s -> {
            if (s != null && v.l1().equals(s.current().virtualL1()) && s.current().trustedReorg() != null
                && s.current().trustedReorg().l1().equals(v.data())) {
              log.warn("trusted reorg of batch {}: L1 block {} sequenced different {}", v.number(),
                  v.l1().blockNumber(), s.current().trustedReorg().differingFields());
              trustedReorg.set(true);
            }
            return Done.getInstance();
          });
    }
    if (delivery instanceof ConsolidateRange c) {
      return consolidate(c);
    }
    UndoBlocks u = (UndoBlocks) delivery;
    return Source.from(LongStream.rangeClosed(u.fromBatch(), u.toBatch()).boxed().toList())
        .mapAsync(parallelism, n -> undo(n, u.blockHashes()))
        .runWith(Sink.ignore(), system);
  }

  /** The range's last batch first: its root is the one L1 verified; a mismatch stops the range there. */
  private CompletionStage<Done> consolidate(ConsolidateRange c) {
    return ask(c.toBatch(), r -> new BatchEntity.Consolidate(c.verifiedRoot(), c.l1(), r))
        .thenCompose(last -> {
          if (last != null && last.current().stateRootMismatch() != null) {
            log.error("state root mismatch at batch {}: L1 verified {} in L1 block {}, the node computed {}; "
                    + "the Consolidated head stops below it", c.toBatch(), c.verifiedRoot(), c.l1().blockNumber(),
                last.current().stateRoot());
            return CompletableFuture.completedFuture(Done.getInstance());
          }
          return Source.from(LongStream.range(c.afterBatch() + 1, c.toBatch()).boxed().toList())
              .mapAsync(parallelism, n -> ask(n, r -> new BatchEntity.Consolidate(null, c.l1(), r)))
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
      L1Status.get(system).refused();
      return null;
    });
  }

  private static List<List<Delivery>> runsOfOneKind(List<Delivery> deliveries) {
    List<List<Delivery>> runs = new ArrayList<>();
    for (Delivery d : deliveries) {
      if (runs.isEmpty() || runs.get(runs.size() - 1).get(0).getClass() != d.getClass()) runs.add(new ArrayList<>());
      runs.get(runs.size() - 1).add(d);
    }
    return runs;
  }
}
