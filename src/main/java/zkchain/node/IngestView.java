package zkchain.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.typed.Cluster;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.derive.L1Status;
import zkchain.http.Readiness;

/**
 * What this member knows of the {@link Ingest}, wherever it runs, through the singleton proxy:
 * asked every {@code zkchain.cluster.ingest-status-interval} in the background, so that /ready
 * reads its last answer from memory, and asked again for each /status, which waits at most
 * {@link #STATUS_WAIT} and otherwise shows the last answer (the ingest may be moving to another
 * member): /status answers within a second on every member, whatever the ingest does.
 */
final class IngestView {
  private static final Logger log = LoggerFactory.getLogger(IngestView.class);
  /** Under the 500 ms /status gives a role's own sections. */
  static final Duration STATUS_WAIT = Duration.ofMillis(300);

  private final ActorSystem<?> system;
  private final ActorRef<Ingest.Command> proxy;
  private final String self;
  private final AtomicReference<L1Status> here;
  private final Duration interval;
  private volatile Ingest.Status last;
  private volatile Instant answeredAt;
  private volatile String problem = "the ingest has not answered yet";

  IngestView(ActorSystem<?> system, ActorRef<Ingest.Command> proxy, AtomicReference<L1Status> here) {
    this.system = system;
    this.proxy = proxy;
    this.self = Cluster.get(system).selfMember().address().toString();
    this.here = here;
    this.interval = system.settings().config().getDuration("zkchain.cluster.ingest-status-interval");
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, interval, () -> ask(interval),
        system.executionContext());
  }

  private CompletionStage<Ingest.Status> ask(Duration timeout) {
    return AskPattern.<Ingest.Command, Ingest.Status>ask(proxy, Ingest.GetStatus::new, timeout, system.scheduler())
        .whenComplete((status, failure) -> answered(status, failure, timeout));
  }

  private void answered(Ingest.Status status, Throwable failure, Duration timeout) {
    if (failure != null) {
      problem = "the ingest did not answer within " + timeout.toMillis() + " ms (it may be starting, or moving "
          + "to another member)";
      return;
    }
    Ingest.Status before = last;
    if (before == null || !before.member().equals(status.member()) || !before.since().equals(status.since())) {
      log.info("the ingest runs on {} since {}", status.member(), status.since());
    }
    last = status;
    answeredAt = Instant.now();
    problem = null;
  }

  /**
   * The "ingest" section of /status, then the ingest's own "l1" and "feed" sections as it answers
   * now, or as it last answered. Blocking for up to {@link #STATUS_WAIT}: /status calls it off the
   * request's thread. {@code runningHere} is this process's own truth, not the proxy's answer.
   */
  Map<String, Object> sections() {
    try {
      ask(STATUS_WAIT).toCompletableFuture().get(STATUS_WAIT.toMillis() + 100, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // the last answer stands; answered() noted why there is no newer one
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Ingest.Status status = last;
    var ingest = new LinkedHashMap<String, Object>();
    ingest.put("member", status == null ? null : status.member());
    ingest.put("since", status == null ? null : status.since());
    ingest.put("runningHere", here.get() != null);
    ingest.put("self", self);
    ingest.put("answeredAt", answeredAt);
    ingest.put("problem", problem);
    var sections = new LinkedHashMap<String, Object>();
    sections.put("ingest", ingest);
    if (status != null) {
      sections.put("l1", status.l1());
      sections.put("feed", status.feed());
    }
    return sections;
  }

  /** The ingest's "l1" section as it last answered; null before its first answer. */
  Map<String, Object> lastL1() {
    Ingest.Status status = last;
    return status == null ? null : status.l1();
  }

  /** The L1 sync has not halted, as the ingest last said: /ready fails on every member when it has. */
  List<Readiness.Check> checks() {
    Ingest.Status status = last;
    String halted = status == null ? null : status.halted();
    return List.of(new Readiness.Check("l1", halted == null, halted == null ? "syncing" : "the L1 sync halted: " + halted));
  }
}
