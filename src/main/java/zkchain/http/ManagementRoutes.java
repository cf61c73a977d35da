package zkchain.http;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.Member;
import akka.cluster.typed.Cluster;
import akka.http.javadsl.marshallers.jackson.Jackson;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.Route;
import akka.management.javadsl.AkkaManagement;
import akka.pattern.AskTimeoutException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;
import org.web3j.utils.Numeric;
import zkchain.batch.BatchEntity.State;
import zkchain.batch.BatchEntity;
import zkchain.batch.BatchJournal;
import zkchain.batch.LiveHeads;
import zkchain.batch.StageHeads;
import zkchain.protocol.Hash32;

/**
 * The node's management HTTP API: batch entities and their journal, the stage heads, and Akka
 * Management's cluster and health routes, all on one port. Every error is JSON; a bad request
 * is a 4xx, never a 500.
 */
public final class ManagementRoutes extends AllDirectives {
  static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      // bytes as the protocol writes them in JSON (an event's transactions), not base64
      .registerModule(new SimpleModule().addSerializer(byte[].class, new StdSerializer<>(byte[].class) {
        @Override
        public void serialize(byte[] bytes, JsonGenerator gen, SerializerProvider provider) throws IOException {
          gen.writeString(Numeric.toHexString(bytes));
        }
      }))
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final BatchJournal journal;
  /** Built once: Cluster Bootstrap's route provider takes its self contact point from the first build. */
  private final Route akkaManagement;

  private final Route extra;
  private final java.util.function.Supplier<Map<String, Object>> extraStatus;
  private final java.util.function.Supplier<List<Readiness.Check>> roleChecks;
  /** Where the routes' JDBC reads and the role's status sections run. */
  private final java.util.concurrent.Executor blocking;

  /**
   * @param extra more routes on the same port (the node's feed), or null
   * @param extraStatus the role's own sections of /status, by name (l1, feed, sequencer, ...)
   * @param roleChecks the role's own readiness checks, besides the ones every process has
   */
  public ManagementRoutes(ActorSystem<?> system, Route extra, java.util.function.Supplier<Map<String, Object>> extraStatus,
                          java.util.function.Supplier<List<Readiness.Check>> roleChecks) {
    this.extra = extra;
    this.extraStatus = extraStatus;
    this.roleChecks = roleChecks;
    this.system = system;
    this.askTimeout = system.settings().config().getDuration("zkchain.batch.ask-timeout");
    this.journal = new BatchJournal(system);
    this.blocking = system.dispatchers().lookup(akka.actor.typed.DispatcherSelector.fromConfig("zkchain.blocking-dispatcher"));
    this.akkaManagement = AkkaManagement.get(Adapter.toClassic(system)).getRoutes();
  }

  /**
   * A batch as operators read it: the protocol's words, its current stage first, then its history.
   * Its batch data come with their transactions, which the entity's state leaves in the journal.
   */
  public record BatchView(
      long number,
      BatchEntity.Stage stage,
      DataView data,
      String stateRoot,
      String accInputHash,
      BatchEntity.L1Ref virtualL1,
      BatchEntity.L1Ref consolidatedL1,
      String verifiedRoot,
      TrustedReorgView trustedReorg,
      BatchEntity.StateRootMismatch stateRootMismatch,
      List<TransitionView> history) {
    /** @param transactions the batch's transactions by keccak, as its journal holds them */
    static BatchView of(State s, Map<Hash32, byte[]> transactions) {
      var c = s.current();
      java.util.function.Function<BatchEntity.BatchData, DataView> data = d -> DataView.of(s.number(), d, transactions);
      var reorg = c.trustedReorg();
      return new BatchView(s.number(), c.stage(), data.apply(c.data()), c.stateRoot(), c.accInputHash(),
          c.virtualL1(), c.consolidatedL1(), c.verifiedRoot(),
          reorg == null ? null : new TrustedReorgView(reorg.differingFields(), data.apply(reorg.trusted()),
              data.apply(reorg.l1())),
          c.stateRootMismatch(),
          s.history().stream().map(t -> new TransitionView(t.at(), t.event(), t.from(), t.to(), data.apply(t.data()),
              t.l1(), t.differingFields())).toList());
    }
  }

  /** A batch's content with its transactions as 0x-hex. */
  public record DataView(String transactions, long timestamp, String coinbase, BatchEntity.Source source) {
    static DataView of(long number, BatchEntity.BatchData d, Map<Hash32, byte[]> transactions) {
      if (d == null) return null;
      byte[] bytes = transactions.get(d.transactionsHash());
      if (bytes == null) {
        throw new IllegalStateException("the journal of batch " + number + " holds no transactions with keccak "
            + d.transactionsHash() + ", which its state names");
      }
      return new DataView(Numeric.toHexString(bytes), d.timestamp(), d.coinbase(), d.source());
    }
  }

  /** {@link BatchEntity.TrustedReorg} with both versions' transactions. */
  public record TrustedReorgView(List<String> differingFields, DataView trusted, DataView l1) {}

  /** {@link BatchEntity.Transition} with its data's transactions. */
  public record TransitionView(Instant at, String event, BatchEntity.Stage from, BatchEntity.Stage to, DataView data,
                               BatchEntity.L1Ref l1, List<String> differingFields) {}

  /** One journal event of a batch. */
  public record EventView(long sequenceNumber, String type, Instant time, Object payload) {}

  public Route routes() {
    return withRequestTimeoutResponse(request -> errorResponse(StatusCodes.SERVICE_UNAVAILABLE,
            request.getUri().path() + " did not answer within the request timeout"),
        () -> handleExceptions(exceptions(), () -> handleRejections(rejections(), () -> concat(
            pathPrefix("batches", () -> concat(pathEndOrSingleSlash(() -> get(this::recentBatches)),
                pathPrefix(akka.http.javadsl.server.PathMatchers.segment(),
                raw -> withBatchNumber(raw, number -> concat(
                    pathEndOrSingleSlash(() -> get(() -> extractRequest(request -> asksForHtml(request)
                        ? getFromResource("web/batch.html", ContentTypes.TEXT_HTML_UTF8)
                        : batch(number)))),
                    path("events", () -> get(() -> events(number))),
                    path("replay", () -> get(() -> replay(number)))))))),
            path("status", () -> get(this::status)),
            path("search", () -> get(() -> parameter("q", this::search))),
            pathSingleSlash(() -> get(() -> getFromResource("web/index.html", ContentTypes.TEXT_HTML_UTF8))),
            path(akka.http.javadsl.server.PathMatchers.segment("web").slash("settings.json"),
                () -> get(() -> completeOK(Map.of("l1ExplorerTxUrl",
                    system.settings().config().getString("zkchain.http.l1-explorer-tx-url")), Jackson.marshaller(JSON)))),
            pathPrefix("web", () -> get(() -> getFromResourceDirectory("web"))),
            path(akka.http.javadsl.server.PathMatchers.segment("events").slash("status"), () -> get(this::statusEvents)),
            path("ready", () -> get(this::ready)),
            path("alive", () -> get(() -> completeOK(Map.of("alive", true), Jackson.marshaller(JSON)))),
            path("metrics", () -> get(this::metrics)),
            extra != null ? extra : reject(),
            akkaManagement))));
  }

  /** Prometheus text format; every value is read from memory. */
  private Route metrics() {
    return complete(HttpEntities.create(METRICS_CONTENT_TYPE,
        zkchain.infra.Metrics.get(system).scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  private static final akka.http.javadsl.model.ContentType METRICS_CONTENT_TYPE =
      ContentTypes.parse(zkchain.infra.Metrics.CONTENT_TYPE);

  /** ASCII digits only: Long.parseLong would also take "+1" and other scripts' digits. */
  private static final java.util.regex.Pattern BATCH_NUMBER = java.util.regex.Pattern.compile("[0-9]{1,19}");

  private Route withBatchNumber(String raw, java.util.function.LongFunction<Route> inner) {
    long number = BATCH_NUMBER.matcher(raw).matches() ? parseOrNegative(raw) : -1;
    if (number < 0) {
      return error(StatusCodes.BAD_REQUEST, "batch number must be a non-negative integer of ASCII digits "
          + "no larger than " + Long.MAX_VALUE + ", not '" + raw + "'");
    }
    return inner.apply(number);
  }

  private static long parseOrNegative(String digits) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return -1; // 19 digits above Long.MAX_VALUE
    }
  }

  private Route batch(long number) {
    CompletionStage<Optional<BatchView>> view = BatchEntity.ref(system, number)
        .ask(BatchEntity.Get::new, askTimeout)
        .thenCompose(s -> s.isUnknown()
            ? CompletableFuture.completedFuture(Optional.empty())
            : journal.transactions(number).thenApply(transactions -> Optional.of(BatchView.of(s, transactions))));
    return onSuccess(view, v -> v.isEmpty()
        ? error(StatusCodes.NOT_FOUND, "batch " + number + " is unknown to this node")
        : completeOK(v.get(), Jackson.marshaller(JSON)));
  }

  private volatile zkchain.state.LiveBatchReplay liveReplay;

  /** Batch n re-executed from its journalled data on its parent's root; nothing is written. */
  private Route replay(long number) {
    if (liveReplay == null) liveReplay = new zkchain.state.LiveBatchReplay(system);
    CompletionStage<Optional<zkchain.state.LiveBatchReplay.Answer>> answer = liveReplay.replay(number);
    return onSuccess(answer.handle((a, e) -> {
      Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
      return cause instanceof zkchain.state.LiveBatchReplay.NotReplayable nr ? nr : (Object) (e == null ? a : e);
    }), result -> {
      if (result instanceof zkchain.state.LiveBatchReplay.NotReplayable nr) {
        return error(StatusCodes.CONFLICT, "batch " + number + " cannot be replayed: " + nr.getMessage());
      }
      if (result instanceof Throwable t) throw new java.util.concurrent.CompletionException(t);
      @SuppressWarnings("unchecked") var a = (Optional<zkchain.state.LiveBatchReplay.Answer>) result;
      return a.isEmpty()
          ? error(StatusCodes.NOT_FOUND, "batch " + number + " has no data in this node's journal")
          : completeOK(a.get(), Jackson.marshaller(JSON));
    });
  }

  private Route events(long number) {
    CompletionStage<List<EventView>> events = journal.events(number).thenApply(list -> list.stream()
        .map(e -> new EventView(e.sequenceNr(), e.event().getClass().getSimpleName(),
            Instant.ofEpochMilli(e.timestamp()), e.event()))
        .toList());
    return onSuccess(events, list -> list.isEmpty()
        ? error(StatusCodes.NOT_FOUND, "batch " + number + " has no journal events")
        : completeOK(list, Jackson.marshaller(JSON)));
  }

  /**
   * Answers from memory within a second whatever the database does: the heads as last read, the
   * L1 sync's own status, and the role's sections (given half a second, else marked unavailable).
   */
  private Route status() {
    return onSuccess(statusBody(), body -> completeOK(body, Jackson.marshaller(JSON)));
  }

  /** /status as Server-Sent Events, one every second, for the web page (no polling of every route). */
  private Route statusEvents() {
    // a page that reads slowly skips events rather than holding back the others
    var stream = liveEvents()
        .buffer(4, akka.stream.OverflowStrategy.dropHead())
        .keepAlive(Duration.ofSeconds(10), akka.http.javadsl.model.sse.ServerSentEvent::heartbeat);
    return completeOK(stream, akka.http.javadsl.marshalling.sse.EventStreamMarshalling.toEventStream());
  }

  private akka.stream.javadsl.Source<akka.http.javadsl.model.sse.ServerSentEvent, akka.NotUsed> liveEvents;

  /**
   * The page's events, produced once per process and broadcast to every open page, so that N pages
   * cost one status and one strip read a second, not N. While no page is open, the hub's small
   * buffer fills and the ticks that find no demand are dropped: nothing more is read.
   */
  private synchronized akka.stream.javadsl.Source<akka.http.javadsl.model.sse.ServerSentEvent, akka.NotUsed> liveEvents() {
    if (liveEvents != null) return liveEvents;
    var events = akka.stream.javadsl.Source.tick(Duration.ZERO, Duration.ofSeconds(1), "tick")
        .mapAsync(1, tick -> statusBody())
        .map(body -> akka.http.javadsl.model.sse.ServerSentEvent.create(JSON.writeValueAsString(body), "status"));
    if (isNode()) {
      // the strip of recent batches, from the same read side as the heads
      events = events.merge(akka.stream.javadsl.Source.tick(Duration.ofMillis(500), Duration.ofSeconds(1), "tick")
          .mapAsync(1, tick -> zkchain.batch.RecentBatches.read(system, RECENT_BATCHES)
              .exceptionally(e -> List.of()))
          .map(cells -> akka.http.javadsl.model.sse.ServerSentEvent.create(JSON.writeValueAsString(cells), "batches")));
    }
    // a status or strip that fails to read or write is skipped: the shared stream outlives it
    liveEvents = events
        .withAttributes(akka.stream.ActorAttributes.withSupervisionStrategy(akka.stream.Supervision.getResumingDecider()))
        .toMat(akka.stream.javadsl.BroadcastHub.of(akka.http.javadsl.model.sse.ServerSentEvent.class, 2),
        akka.stream.javadsl.Keep.right()).run(system);
    return liveEvents;
  }

  /** A browser opening a batch asks for HTML first; every other client (no Accept, JSON, *&#47;*) gets JSON. */
  private static boolean asksForHtml(akka.http.javadsl.model.HttpRequest request) {
    return request.getHeader("Accept").map(h -> h.value().startsWith("text/html")).orElse(false);
  }

  /** How many batches the page's strip shows. */
  private static final int RECENT_BATCHES = 300;

  private boolean isNode() {
    return system.settings().config().getString("zkchain.role").equals("node");
  }

  private volatile Search searcher;

  /** GET /search?q=: the batch that a batch number, a transaction hash or an L2 block hash names. */
  private Route search(String raw) {
    if (!isNode()) return error(StatusCodes.NOT_FOUND, "only a node keeps batches");
    Search.Query query;
    try {
      query = Search.Query.parse(raw);
    } catch (Search.Malformed e) {
      return error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    if (searcher == null) searcher = new Search(zkchain.infra.Database.get(system).dataSource());
    return onSuccess(CompletableFuture.supplyAsync(() -> searcher.find(query), blocking), hit -> hit.isEmpty()
        ? error(StatusCodes.NOT_FOUND, "this node knows no batch, transaction or L2 block '" + query.text()
            + "' (transactions and blocks are indexed when the node's JSON-RPC is on: zkchain.rpc.enabled)")
        : completeOK(hit.get(), Jackson.marshaller(JSON)));
  }

  /** GET /batches: the most recent batches with their stage, oldest first (?limit=, at most 1000). */
  private Route recentBatches() {
    if (!isNode()) return error(StatusCodes.NOT_FOUND, "only a node keeps batches");
    return parameterOptional("limit", limit -> {
      int n = limit.filter(l -> l.matches("[0-9]{1,4}")).map(Integer::parseInt).orElse(RECENT_BATCHES);
      if (limit.isPresent() && (n < 1 || n > 1000 || !limit.get().matches("[0-9]{1,4}"))) {
        return error(StatusCodes.BAD_REQUEST, "limit must be an integer from 1 to 1000, not '" + limit.get() + "'");
      }
      return onSuccess(zkchain.batch.RecentBatches.read(system, n), cells -> completeOK(cells, Jackson.marshaller(JSON)));
    });
  }

  private CompletionStage<Map<String, Object>> statusBody() {
    return extraSections().thenApply(extras -> {
      String role = system.settings().config().getString("zkchain.role");
      LiveHeads.Reading reading = LiveHeads.get(system).reading();
      var body = new LinkedHashMap<String, Object>();
      body.put("role", role);
      List<Readiness.Check> checks = Readiness.checks(system, roleChecks);
      body.put("degraded", checks.stream().filter(c -> !c.ok())
          .map(c -> Map.of("check", c.name(), "why", c.detail())).toList());
      // only a node keeps batch entities; a sequencer or aggregator reports its own section instead
      if (role.equals("node")) {
        var heads = reading.heads();
        var h = new LinkedHashMap<String, Object>();
        h.put("trusted", heads.trusted());
        h.put("virtual", heads.virtual());
        h.put("consolidated", heads.consolidated());
        h.put("readAt", reading.readAt());
        // how long the oldest batch waiting for the next stage has waited, from the batches' own stage times
        long now = System.currentTimeMillis();
        h.put("lagSeconds", Map.of(
            "virtual", StageHeads.Waiting.seconds(reading.waiting().forVirtualSince(), now),
            "consolidated", StageHeads.Waiting.seconds(reading.waiting().forConsolidatedSince(), now)));
        body.put("heads", h);
        body.put("stateRootMismatch", mismatch(heads));
      }
      var database = new LinkedHashMap<String, Object>();
      var problem = LiveHeads.get(system).databaseProblem();
      database.put("reachable", problem.isEmpty());
      database.put("problem", problem.orElse(null));
      body.put("database", database);
      body.putAll(extras);
      body.put("execution", Map.of("transactions", zkchain.infra.Metrics.get(system).executedTransactions()));
      body.put("secp256k1", zkchain.protocol.Secp256k1.backend()); // libsecp256k1, or the Bouncy Castle fallback
      body.put("cluster", cluster());
      return (Map<String, Object>) body;
    });
  }

  /** The role's own /status sections, computed off the request's thread and bounded in time. */
  private CompletionStage<Map<String, Object>> extraSections() {
    return java.util.concurrent.CompletableFuture.supplyAsync(extraStatus, blocking)
        .completeOnTimeout(Map.of("unavailable", "the role's own status did not answer within "
            + EXTRA_STATUS_TIMEOUT.toMillis() + " ms"), EXTRA_STATUS_TIMEOUT.toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS)
        .exceptionally(e -> Map.of("unavailable", "the role's own status failed: " + e.getMessage()));
  }

  private static final Duration EXTRA_STATUS_TIMEOUT = Duration.ofMillis(500);

  /** 200 when every check passes, else 503 naming the failing ones; always JSON. */
  private Route ready() {
    List<Readiness.Check> checks = Readiness.checks(system, roleChecks);
    var body = new LinkedHashMap<String, Object>();
    boolean ready = checks.stream().allMatch(Readiness.Check::ok);
    body.put("ready", ready);
    body.put("failing", checks.stream().filter(c -> !c.ok()).map(Readiness.Check::name).toList());
    body.put("checks", checks);
    return complete(ready ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body, Jackson.marshaller(JSON));
  }

  private static Map<String, Object> mismatch(StageHeads.Heads heads) {
    var out = new LinkedHashMap<String, Object>();
    out.put("open", heads.openStateRootMismatches() > 0);
    out.put("batches", heads.openStateRootMismatches());
    out.put("firstBatch", heads.firstStateRootMismatch());
    if (heads.firstStateRootMismatch() != null) {
      out.put("why", "L1 verified a state root for batch " + heads.firstStateRootMismatch()
          + " that differs from the node's own (both in /batches/" + heads.firstStateRootMismatch()
          + "); the Consolidated head stops below it and the node reports itself not ready");
    }
    return out;
  }

  private Map<String, Object> cluster() {
    var cluster = Cluster.get(system);
    var members = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
        .map(ManagementRoutes::member)
        .toList();
    return Map.of(
        "self", cluster.selfMember().address().toString(),
        "selfStatus", cluster.selfMember().status().toString(),
        "members", members);
  }

  private static Map<String, String> member(Member m) {
    return Map.of("address", m.address().toString(), "status", m.status().toString());
  }

  private Route error(StatusCode status, String message) {
    return complete(status, jsonError(message));
  }

  private static akka.http.javadsl.model.HttpResponse errorResponse(StatusCode status, String message) {
    return akka.http.javadsl.model.HttpResponse.create().withStatus(status).withEntity(jsonError(message));
  }

  private static HttpEntity.Strict jsonError(String message) {
    try {
      return HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsString(Map.of("error", message)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Akka HTTP's own rejections (unknown path, wrong method, ...) keep their status but answer JSON. */
  private static RejectionHandler rejections() {
    return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
      if (response.entity() instanceof HttpEntity.Strict strict
          && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
        return response.withEntity(jsonError(strict.getData().utf8String()));
      }
      return response;
    });
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .match(AskTimeoutException.class, e -> error(StatusCodes.SERVICE_UNAVAILABLE,
            "the batch entity did not answer in time: " + e.getMessage()))
        .match(Exception.class, e -> {
          system.log().error("management HTTP request failed", e);
          return error(StatusCodes.INTERNAL_SERVER_ERROR, e.getClass().getSimpleName() + ": " + e.getMessage());
        })
        .build();
  }
}
