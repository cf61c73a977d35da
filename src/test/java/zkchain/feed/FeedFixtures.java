package zkchain.feed;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.WebSocketRequest;
import akka.http.javadsl.model.ws.WebSocketUpgradeResponse;
import akka.http.javadsl.server.Route;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.SinkQueueWithCancel;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.infra.Database;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;

/** Signed test batches, H2 feed logs with the node's schema, servers and raw WebSocket clients. */
final class FeedFixtures {
  private FeedFixtures() {}

  static final long CHAIN = 1001;
  static final Credentials SEQUENCER = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));
  static final Address SEQUENCER_ADDRESS = Address.of(SEQUENCER.getAddress());
  static final Credentials FORGER = Credentials.create(DevKeys.key(5));
  static final Address COINBASE = Address.of("0x00000000000000000000000000000000c0ffee00");

  static BatchMessage batch(long number) {
    return batch(number, 8, CHAIN, SEQUENCER);
  }

  /** Batch {@code number} with {@code size} bytes of transactions, for {@code chainId}, signed by {@code key}. */
  static BatchMessage batch(long number, int size, long chainId, Credentials key) {
    byte[] transactions = new byte[size];
    Arrays.fill(transactions, (byte) number);
    Batch batch = new Batch(number, transactions, 1_767_225_600L + number, COINBASE);
    return BatchMessage.signed(chainId, batch, Hash32.keccak(new byte[] {(byte) number, 1}),
        Hash32.keccak(new byte[] {(byte) number, 2}), key.getEcKeyPair());
  }

  static List<BatchMessage> batches(long first, long last) {
    return java.util.stream.LongStream.rangeClosed(first, last).mapToObj(FeedFixtures::batch).toList();
  }

  static Config testKitConfig(String extra) {
    return ConfigFactory.parseString("akka.actor.provider = local\nakka.loglevel = INFO\n" + extra)
        .withFallback(ConfigFactory.load());
  }

  static ActorTestKit testKit(String extra) {
    return ActorTestKit.create(testKitConfig(extra));
  }

  static Executor blocking(ActorSystem<?> system) {
    return system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  /** A fresh in-memory H2 database with the node's schema applied as at start. */
  static DataSource h2(String name) {
    String url = "jdbc:h2:mem:" + name + System.nanoTime() + ";DB_CLOSE_DELAY=-1;DATABASE_TO_UPPER=false";
    // The defaults of the zkchain.db settings not given here (timeouts) from conf/application.conf.
    Database.applySchema(ConfigFactory.parseMap(Map.of("zkchain.db.kind", "h2", "zkchain.db.url", url,
        "zkchain.db.user", "sa", "zkchain.db.password", "", "zkchain.db.pool-size", 2, "zkchain.data-dir", "target"))
        .withFallback(ConfigFactory.load()));
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(url);
    ds.setUser("sa");
    return ds;
  }

  static JdbcFeedLog h2Log(ActorSystem<?> system, String name, int pageSize) {
    return new JdbcFeedLog(h2(name), blocking(system), pageSize);
  }

  static ServerBinding bind(ActorSystem<?> system, Route route) {
    return await(Http.get(system).newServerAt("127.0.0.1", 0).bind(route));
  }

  static String feedUrl(ServerBinding binding) {
    return "ws://127.0.0.1:" + binding.localAddress().getPort() + "/feed";
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("not done within 30 s: " + e, e);
    }
  }

  /** The next element, or an AssertionError if there is none within 30 s (a stall, not a slowness). */
  static <T> T next(SinkQueueWithCancel<T> queue) {
    return await(queue.pull()).orElseThrow(() -> new AssertionError("the stream completed"));
  }

  static void eventually(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("not within 30 s: " + what);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** A WebSocket client that reads text frames into a queue (read only when pulled) and sends nothing. */
  record RawClient(CompletableFuture<Optional<Message>> outgoing, CompletionStage<WebSocketUpgradeResponse> upgrade,
      SinkQueueWithCancel<String> frames) {
    static RawClient connect(ActorSystem<?> system, String uri) {
      Pair<Pair<CompletableFuture<Optional<Message>>, CompletionStage<WebSocketUpgradeResponse>>, SinkQueueWithCancel<String>> m =
          Source.<Message>maybe()
              .viaMat(Http.get(system).webSocketClientFlow(WebSocketRequest.create(uri)), Keep.both())
              .mapAsync(1, msg -> msg.asTextMessage().getStreamedText().runFold("", String::concat, system))
              .toMat(Sink.queue(), Keep.both())
              .run(system);
      return new RawClient(m.first().first(), m.first().second(), m.second());
    }

    int status() {
      return await(upgrade).response().status().intValue();
    }

    void close() {
      outgoing.complete(Optional.empty());
      frames.cancel();
    }
  }
}
