package zkchain.testing;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.pattern.StatusReply;
import com.typesafe.config.Config;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import zkchain.batch.BatchEntity;

/** Starting real nodes in tests: free ports, a data dir of the test's, and HTTP over a real socket. */
public final class TestNodes {
  private TestNodes() {}

  public static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** Node configuration: H2 under dataDir unless extra settings say otherwise; ephemeral ports. */
  public static Config config(Path dataDir, Map<String, Object> extra) {
    Map<String, Object> o = new HashMap<>();
    o.put("zkchain.data-dir", dataDir.toString());
    o.put("zkchain.http.port", 0);
    o.put("akka.remote.artery.canonical.port", 0);
    o.putAll(extra);
    return zkchain.runtime.Configuration.load(o, null);
  }

  public static CompletionStage<BatchEntity.State> ask(
      ActorSystem<?> system, long number, Function<ActorRef<StatusReply<BatchEntity.State>>, BatchEntity.Command> cmd) {
    return BatchEntity.ref(system, number).askWithStatus(cmd::apply, TIMEOUT);
  }

  public record Response(int status, String body) {}

  public static Response get(String url) {
    return get(url, TIMEOUT);
  }

  /** GET with a bound on the whole exchange: a server that does not answer in time fails the call. */
  public static Response get(String url, Duration timeout) {
    try {
      var r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (Exception e) {
      throw new IllegalStateException("GET " + url + " failed: " + e, e);
    }
  }

  public static Response post(String url, String json) {
    try {
      var r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (Exception e) {
      throw new IllegalStateException("POST " + url + " failed: " + e, e);
    }
  }

  /** Polls until the condition holds or the timeout passes; returns whether it held. */
  public static boolean eventually(Duration timeout, Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (holds(condition)) return true;
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return holds(condition);
  }

  /** A condition that cannot be read yet (a /status section not there yet, a node starting) does not hold. */
  private static boolean holds(Supplier<Boolean> condition) {
    try {
      return condition.get();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
