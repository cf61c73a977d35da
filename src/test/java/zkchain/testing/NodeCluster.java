package zkchain.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Three (or more) nodes of one cluster, each in a JVM of its own ({@link RoleJvm}), on one
 * PostgreSQL schema, following one rollup's L1 and feed. Every member keeps its cluster and HTTP
 * ports across restarts, so seed nodes and discovery endpoints stay true. The members join through
 * seed nodes (all members listed, the first forms the cluster) or Cluster Bootstrap with config
 * discovery (every member's management endpoint listed; no seed nodes).
 */
public final class NodeCluster implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  public static final Duration START = Duration.ofSeconds(120);

  public enum Joining { SEED_NODES, BOOTSTRAP }

  private final List<RoleJvm> members = new ArrayList<>();
  private final List<Integer> httpPorts = new ArrayList<>();
  private final TestDatabases.PgSchema schema;

  public NodeCluster(LocalRollup rollup, Path dir, TestDatabases.PgSchema schema, List<String> feeds, int size,
                     Joining joining) {
    this.schema = schema;
    List<Integer> clusterPorts = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      clusterPorts.add(freePort());
      httpPorts.add(freePort());
    }
    for (int i = 0; i < size; i++) {
      Map<String, Object> s = new HashMap<>(rollup.nodeSettings(feeds, Map.of()));
      s.putAll(schema.zkchainDbConfig());
      s.put("zkchain.data-dir", dir.resolve("member-" + i).toString());
      s.put("zkchain.http.port", httpPorts.get(i));
      s.put("akka.remote.artery.canonical.port", clusterPorts.get(i));
      if (joining == Joining.SEED_NODES) {
        s.put("akka.cluster.seed-nodes", clusterPorts.stream().map(p -> "akka://zkchain@127.0.0.1:" + p).toList());
      } else {
        s.put("zkchain.cluster.bootstrap", true);
        s.put("akka.discovery.config.services.zkchain.endpoints",
            httpPorts.stream().map(p -> Map.of("host", "127.0.0.1", "port", p)).toList());
      }
      members.add(RoleJvm.of("node", dir.resolve("member-" + i), s));
    }
  }

  /**
   * A port free now, for a process started later (or restarted on it), chosen below the kernel's
   * ephemeral range (32768 and up on Linux): a port the kernel hands out, as {@code new
   * ServerSocket(0)} would, can meanwhile become the local end of some outbound connection (a
   * member dialling another, a client of anvil), and the member then fails to bind it.
   */
  public static int freePort() {
    var random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = random.nextInt(20_000, 32_768);
      try (ServerSocket s = new ServerSocket(port, 50, java.net.InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // in use: try another
      }
    }
    throw new IllegalStateException("no free port found between 20000 and 32767");
  }

  public int size() {
    return members.size();
  }

  public RoleJvm member(int i) {
    return members.get(i);
  }

  public String url(int i) {
    return "http://127.0.0.1:" + httpPorts.get(i);
  }

  /** Starts every member at once and waits until each serves HTTP. */
  public void startAll() {
    CompletableFuture.allOf(members.stream()
        .map(m -> CompletableFuture.runAsync(() -> m.start(START)))
        .toArray(CompletableFuture[]::new)).join();
  }

  /** /status of member i, or empty when it does not answer within a second (killed, starting, stopping). */
  public Optional<JsonNode> status(int i) {
    if (!members.get(i).isAlive()) return Optional.empty();
    try {
      var r = TestNodes.get(url(i) + "/status", Duration.ofSeconds(1));
      return r.status() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** Waits until member i sees {@code n} members Up and itself among them. */
  public boolean awaitUp(int i, int n, Duration timeout) {
    return TestNodes.eventually(timeout, () -> status(i).map(s -> {
      JsonNode cluster = s.get("cluster");
      long up = 0;
      for (JsonNode m : cluster.get("members")) if (m.get("status").asText().equals("Up")) up++;
      return up == n && cluster.get("selfStatus").asText().equals("Up");
    }).orElse(false));
  }

  /** Waits until every member's heads are at {@code last} at every stage. */
  public void awaitEveryMemberAt(long last) {
    for (int i = 0; i < size(); i++) {
      int member = i;
      boolean at = TestNodes.eventually(Duration.ofSeconds(120), () -> status(member).map(s -> {
        JsonNode h = s.get("heads");
        return h.get("trusted").asLong() == last && h.get("virtual").asLong() == last
            && h.get("consolidated").asLong() == last;
      }).orElse(false));
      if (!at) {
        throw new AssertionError("member " + i + " heads " + status(i).map(s -> s.get("heads")) + ", expected " + last);
      }
    }
  }

  /**
   * The batch frames member i serves on its /feed from batch {@code from}, the first {@code count}
   * of them (heartbeats skipped), read with the JDK's WebSocket client.
   */
  public List<JsonNode> feed(int i, long from, int count) throws Exception {
    List<JsonNode> batches = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    java.net.http.WebSocket.Listener listener = new java.net.http.WebSocket.Listener() {
      private final StringBuilder frame = new StringBuilder();

      @Override
      public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
        frame.append(data);
        if (last) {
          try {
            JsonNode message = JSON.readTree(frame.toString());
            if (message.get("type").asText().equals("batch")) batches.add(message);
          } catch (Exception e) {
            done.completeExceptionally(e);
          }
          frame.setLength(0);
          if (batches.size() >= count) done.complete(null);
        }
        ws.request(1);
        return null;
      }
    };
    java.net.http.WebSocket ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(java.net.URI.create(url(i).replace("http://", "ws://") + "/feed?from=" + from), listener)
        .get(10, java.util.concurrent.TimeUnit.SECONDS);
    try {
      done.get(60, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      ws.abort();
    }
    return batches.subList(0, count);
  }

  /** The member whose own process runs the ingest now, or -1. */
  public int ingestMember() {
    for (int i = 0; i < size(); i++) {
      if (status(i).map(s -> s.get("ingest").get("runningHere").asBoolean()).orElse(false)) return i;
    }
    return -1;
  }

  /** The highest Trusted head any member answering reports, or -1 when none answers. */
  public long trustedHead() {
    long head = -1;
    for (int i = 0; i < size(); i++) {
      head = Math.max(head, status(i).map(s -> s.get("heads").get("trusted").asLong()).orElse(-1L));
    }
    return head;
  }

  /**
   * How long after {@code stoppedAt} (epoch ms) the cluster recorded a batch again: the end of the
   * longest pause between two batches first written (from the journal itself, when each batch's
   * first event was written) that ends after {@code stoppedAt}. Under load batches are recorded
   * every few hundred ms, so that pause is the hand-over; what the stopped ingest still had in
   * flight lands before it.
   */
  public long recordingResumedAfter(long stoppedAt) {
    List<Long> writes = new ArrayList<>();
    String sql = "SELECT MIN(write_timestamp) FROM event_journal WHERE persistence_id LIKE 'Batch|%' "
        + "GROUP BY persistence_id HAVING MIN(write_timestamp) >= " + (stoppedAt - 5_000) + " ORDER BY 1";
    try (Connection c = DriverManager.getConnection(schema.url(), TestDatabases.PG_USER, TestDatabases.PG_PASSWORD);
         Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) writes.add(rs.getLong(1));
    } catch (Exception e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
    long longest = -1;
    long resumed = -1;
    for (int k = 1; k < writes.size(); k++) {
      long gap = writes.get(k) - writes.get(k - 1);
      if (writes.get(k) > stoppedAt && gap > longest) {
        longest = gap;
        resumed = writes.get(k);
      }
    }
    if (resumed < 0) throw new IllegalStateException("no batch recorded after " + stoppedAt + ": " + writes);
    return resumed - stoppedAt;
  }

  /**
   * Samples every member's /status every 250 ms in the background: who runs the ingest, as each
   * member's own process says, and the highest Trusted head.
   */
  public Sampler sample() {
    Sampler sampler = new Sampler();
    sampler.thread.start();
    return sampler;
  }

  /** One round of /status of every member. */
  public record Round(long atMillis, List<Integer> runningIngest, long trustedHead, int answering) {}

  public final class Sampler implements AutoCloseable {
    public final List<Round> rounds = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private final Thread thread = new Thread(this::run, "cluster-sampler");

    private void run() {
      while (running) {
        List<Integer> ingest = new ArrayList<>();
        long head = -1;
        int answering = 0;
        for (int i = 0; i < size(); i++) {
          Optional<JsonNode> s = status(i);
          // a member that is starting may answer /status before its ingest or heads sections exist:
          // it counts as not answering this round (a thrown exception would end the sampler)
          JsonNode in = s.map(j -> j.path("ingest").path("runningHere")).orElse(null);
          JsonNode trusted = s.map(j -> j.path("heads").path("trusted")).orElse(null);
          if (in == null || !in.isBoolean() || trusted == null || !trusted.canConvertToLong()) continue;
          answering++;
          if (in.asBoolean()) ingest.add(i);
          head = Math.max(head, trusted.asLong());
        }
        rounds.add(new Round(System.currentTimeMillis(), ingest, head, answering));
        try {
          Thread.sleep(250);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** Rounds in which more than one member ran the ingest, and the round after said so too. */
    public List<Round> doubleIngest() {
      List<Round> out = new ArrayList<>();
      for (int k = 1; k < rounds.size(); k++) {
        if (rounds.get(k).runningIngest().size() > 1 && rounds.get(k - 1).runningIngest().size() > 1) {
          out.add(rounds.get(k));
        }
      }
      return out;
    }

    /** Rounds in which every member answered and exactly one ran the ingest. */
    public long roundsWithOneIngestOfAll() {
      return rounds.stream().filter(r -> r.answering() == size() && r.runningIngest().size() == 1).count();
    }

    /** The longest time, in ms, between two rises of the Trusted head within [from, to]. */
    public long longestTrustedStall(long fromMillis, long toMillis) {
      long lastRise = fromMillis;
      long head = -1;
      long longest = 0;
      for (Round r : rounds) {
        if (r.atMillis() < fromMillis || r.atMillis() > toMillis || r.trustedHead() < 0) continue;
        if (head >= 0 && r.trustedHead() > head) {
          longest = Math.max(longest, r.atMillis() - lastRise);
          lastRise = r.atMillis();
        }
        if (head < 0) lastRise = r.atMillis();
        head = Math.max(head, r.trustedHead());
      }
      return Math.max(longest, toMillis - lastRise);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join();
    }
  }

  @Override
  public void close() {
    for (RoleJvm m : members) m.close();
  }
}
