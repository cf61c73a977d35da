package zkchain.batch;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import com.typesafe.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.infra.Database;

/**
 * The stage heads as last read from the database, read again in the background on a thread of
 * their own, so /status and /ready answer from memory within a second whatever the database does.
 * How those reads go is also the node's view of its database: a read that failed, or one that has
 * waited longer than {@code zkchain.db.unreachable-after}, makes the database unreachable.
 */
public final class LiveHeads implements Extension {
  private static final Logger log = LoggerFactory.getLogger(LiveHeads.class);

  public static final ExtensionId<LiveHeads> ID = new ExtensionId<>() {
    @Override
    public LiveHeads createExtension(ActorSystem<?> system) {
      return new LiveHeads(system);
    }
  };

  public static LiveHeads get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The last successful read and when it was made (null before the first). */
  public record Reading(StageHeads.Heads heads, StageHeads.Waiting waiting, Instant readAt) {}

  private final DataSource dataSource;
  private final Duration unreachableAfter;
  private final Instant startedAt = Instant.now();
  private final ScheduledExecutorService reader;
  private volatile Reading last = new Reading(new StageHeads.Heads(0, 0, 0, 0, null), StageHeads.Waiting.NONE, null);
  private volatile String lastError;
  private volatile Instant readingSince;

  private LiveHeads(ActorSystem<?> system) {
    Config config = system.settings().config();
    this.dataSource = Database.get(system).dataSource();
    this.unreachableAfter = config.getDuration("zkchain.db.unreachable-after");
    this.reader = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "zkchain-live-heads");
      t.setDaemon(true);
      return t;
    });
    long every = config.getDuration("zkchain.heads.refresh-interval").toMillis();
    reader.scheduleWithFixedDelay(this::read, 0, every, TimeUnit.MILLISECONDS);
    system.getWhenTerminated().whenComplete((done, e) -> reader.shutdownNow());
  }

  /** The heads as last read; all zero before the first read. */
  public StageHeads.Heads heads() {
    return last.heads();
  }

  public Reading reading() {
    return last;
  }

  /** Why the database counts as unreachable now, or empty when the last read succeeded in time. */
  public Optional<String> databaseProblem() {
    Instant since = readingSince;
    Instant now = Instant.now();
    if (since != null && Duration.between(since, now).compareTo(unreachableAfter) > 0) {
      return Optional.of("a read of the stage heads has waited " + Duration.between(since, now).toSeconds()
          + " s for the database");
    }
    if (lastError != null) return Optional.of("the last read of the stage heads failed: " + lastError);
    if (last.readAt() == null && Duration.between(startedAt, now).compareTo(unreachableAfter) > 0) {
      return Optional.of("no read of the stage heads has succeeded since the start");
    }
    return Optional.empty();
  }

  private void read() {
    readingSince = Instant.now();
    try {
      StageHeads.Heads heads = StageHeads.read(dataSource);
      last = new Reading(heads, StageHeads.readWaiting(dataSource), Instant.now());
      if (lastError != null) log.info("the database answers again; stage heads {}", heads);
      lastError = null;
    } catch (RuntimeException e) {
      // logged when the database becomes unreachable, not at every read after that
      if (lastError == null) log.warn("database unreachable: {}", e.getMessage());
      lastError = e.getMessage();
    } finally {
      readingSince = null;
    }
  }
}
