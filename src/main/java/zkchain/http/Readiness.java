package zkchain.http;

import akka.actor.typed.ActorSystem;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import zkchain.batch.LiveHeads;
import zkchain.batch.StageHeads;

/**
 * What GET /ready checks, each from what the process holds in memory: it is a cluster member that
 * is Up, its database answers, no state root mismatch is open (PROTOCOL.md §7), and whatever the
 * role adds (a node: its L1 derivation has not halted).
 */
public final class Readiness {
  private Readiness() {}

  /** One check: its name, whether it passes, and what it saw. */
  public record Check(String name, boolean ok, String detail) {}

  public static List<Check> checks(ActorSystem<?> system, Supplier<List<Check>> roleChecks) {
    List<Check> checks = new ArrayList<>();
    Member self = Cluster.get(system).selfMember();
    checks.add(new Check("cluster", self.status() == MemberStatus.up(),
        "member " + self.address() + " is " + self.status()));
    Optional<String> database = LiveHeads.get(system).databaseProblem();
    checks.add(new Check("database", database.isEmpty(), database.orElse("answers")));
    checks.addAll(roleChecks.get());
    StageHeads.Heads heads = LiveHeads.get(system).heads();
    checks.add(new Check("state-root", heads.openStateRootMismatches() == 0, heads.firstStateRootMismatch() == null
        ? "no state root mismatch"
        : "state root mismatch at batch " + heads.firstStateRootMismatch() + ": L1 verified a root that differs "
            + "from the node's own (both in /batches/" + heads.firstStateRootMismatch() + ")"));
    return checks;
  }
}
