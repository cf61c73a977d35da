package zkchain.node;

import akka.actor.typed.javadsl.Adapter;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Akka Management readiness check: a node with an open state root mismatch is not ready (PROTOCOL.md §7). */
public final class StateRootReadiness implements Supplier<CompletionStage<Boolean>> {
  private final akka.actor.typed.ActorSystem<?> system;

  public StateRootReadiness(akka.actor.ActorSystem system) {
    this.system = Adapter.toTyped(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    return StageHeads.read(system).thenApply(heads -> heads.openStateRootMismatches() == 0);
  }
}
