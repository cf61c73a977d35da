package zkchain.batch;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.persistence.jdbc.query.javadsl.JdbcReadJournal;
import akka.projection.ProjectionBehavior;
import akka.projection.ProjectionId;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.eventsourced.javadsl.EventSourcedProvider;
import akka.projection.jdbc.javadsl.JdbcHandler;
import akka.projection.jdbc.javadsl.JdbcProjection;
import java.util.Optional;
import zkchain.execution.TransactionIndex;
import zkchain.infra.DataSourceJdbcSession;
import zkchain.infra.Database;

/**
 * The transaction index ({@link TransactionIndex}, table {@code l2_transaction}) as a projection
 * of the batch journal, exactly once per tag slice as {@link StageHeads} is: every event that
 * holds a version's transactions adds a row per transaction. Rows of versions a trusted reorg
 * replaced stay; a lookup keeps the one in the batch's current version.
 */
public final class TransactionIndexProjection {
  private TransactionIndexProjection() {}

  /** Starts one projection instance per tag slice, spread over the cluster (tables: StageHeads.init). */
  public static void init(ActorSystem<?> system) {
    Database db = Database.get(system);
    int slices = system.settings().config().getInt("zkchain.heads.slices");
    ShardedDaemonProcess.get(system).init(
        ProjectionBehavior.Command.class,
        "transaction-index",
        slices,
        i -> ProjectionBehavior.create(JdbcProjection.exactlyOnce(
            ProjectionId.of("transaction-index", BatchEntity.tagFor(i, slices)),
            EventSourcedProvider.<BatchEntity.Event>eventsByTag(system, JdbcReadJournal.Identifier(),
                BatchEntity.tagFor(i, slices)),
            () -> new DataSourceJdbcSession(db.dataSource()),
            Handler::new,
            system)),
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
  }

  public static final String PROJECTION_NAME = "transaction-index";

  /** Runs every slice's projection in this process, outside the cluster (replay --rebuild-projections). */
  public static void runLocally(ActorSystem<?> system) {
    Database db = Database.get(system);
    int slices = system.settings().config().getInt("zkchain.heads.slices");
    for (int i = 0; i < slices; i++) {
      system.systemActorOf(ProjectionBehavior.create(JdbcProjection.exactlyOnce(
          ProjectionId.of(PROJECTION_NAME, BatchEntity.tagFor(i, slices)),
          EventSourcedProvider.<BatchEntity.Event>eventsByTag(system, JdbcReadJournal.Identifier(),
              BatchEntity.tagFor(i, slices)),
          () -> new DataSourceJdbcSession(db.dataSource()),
          Handler::new,
          system)), "transaction-index-" + i, akka.actor.typed.Props.empty());
    }
  }

  static final class Handler extends JdbcHandler<EventEnvelope<BatchEntity.Event>, DataSourceJdbcSession> {
    @Override
    public void process(DataSourceJdbcSession session, EventEnvelope<BatchEntity.Event> envelope) throws Exception {
      BatchEntity.Event event = envelope.event();
      for (BatchEntity.BatchData data : event.carriedData()) {
        byte[] transactions = data.transactions();
        if (transactions == null) continue; // an earlier event of the batch holds them, and indexed them
        session.withConnection(c -> {
          TransactionIndex.record(c, event.number(), transactions);
          return null;
        });
      }
    }
  }
}
