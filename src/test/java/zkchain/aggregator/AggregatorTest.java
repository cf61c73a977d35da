package zkchain.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.devnet.Anvil;
import zkchain.execution.Genesis;
import zkchain.l1.RollupEvent;
import zkchain.testing.L1Workload;
import zkchain.testing.TestNodes;

/** The aggregator against a real anvil: L1Workload sequences as the trusted sequencer, the aggregator verifies. */
class AggregatorTest {
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static Anvil anvil;
  static ActorTestKit testKit;
  static Aggregator.Settings defaults;

  L1Workload l1;
  final List<Aggregator> aggregators = new ArrayList<>();

  @BeforeAll
  static void start() {
    anvil = L1Workload.startL1();
    Config config = ConfigFactory.parseMap(Map.of(
            "akka.actor.provider", "local",
            "zkchain.l1.poll-interval", "50ms",
            "zkchain.l1.retry.min-backoff", "100ms",
            "zkchain.aggregator.interval", "100ms",
            "zkchain.aggregator.receipt-timeout", "10s"))
        .withFallback(ConfigFactory.load())
        .resolve();
    testKit = ActorTestKit.create("AggregatorTest", config);
    defaults = Aggregator.Settings.from(testKit.system().settings().config());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    anvil.close();
  }

  /** A fresh rollup per test on the shared anvil. */
  @BeforeEach
  void deploy() {
    l1 = L1Workload.deploy(anvil);
  }

  @AfterEach
  void close() {
    aggregators.forEach(this::stopped);
    l1.close();
  }

  static DataSource freshH2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:aggregator-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    ds.setUser("sa");
    return ds;
  }

  Aggregator start(Aggregator.Keys keys, DataSource db, Aggregator.Settings settings) {
    Aggregator a = Aggregator.start(testKit.system(), l1.web3j(), l1.deployment(), Genesis.load(L1Workload.GENESIS_FILE),
        keys, db, settings);
    aggregators.add(a);
    return a;
  }

  void stopped(Aggregator a) {
    try {
      a.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("aggregator did not stop: " + e, e);
    }
  }

  void awaitVerified(long batch) {
    assertTrue(TestNodes.eventually(TIMEOUT, () -> l1.rollup().lastVerifiedBatch() >= batch),
        "lastVerifiedBatch reaches " + batch + ", is " + l1.rollup().lastVerifiedBatch());
  }

  static void awaitVerifications(Aggregator a, long count) {
    TestNodes.eventually(Duration.ofSeconds(10), () -> a.status().verifications() >= count);
  }

  /** The VerifyBatchesTrustedAggregator events on L1 since the deployment, in order. */
  List<RollupEvent.VerifyBatchesTrustedAggregator> verifications() {
    long latest = l1.latestBlock().getNumber().longValueExact();
    return l1.rollup().events(l1.deployment().deployBlock(), latest).stream()
        .filter(e -> e instanceof RollupEvent.VerifyBatchesTrustedAggregator)
        .map(e -> (RollupEvent.VerifyBatchesTrustedAggregator) e).toList();
  }

  List<Long> verifiedRanges() {
    return verifications().stream().map(RollupEvent.VerifyBatchesTrustedAggregator::numBatch).toList();
  }

  @Test
  void verifiesFiftyBatchesInSeveralRangesWithItsOwnRoots() {
    l1.sequence(5, 10);
    Aggregator a = start(Aggregator.Keys.dev(), freshH2(), defaults.withMaxBatchesPerProof(15));
    awaitVerified(50);

    assertEquals(50, l1.rollup().lastVerifiedBatch());
    assertEquals(l1.root(50).hex(), l1.rollup().batchNumToStateRoot(50));
    // the newest boundary within 15 batches each time: sequences end at multiples of 5
    assertEquals(List.of(15L, 30L, 45L, 50L), verifiedRanges());
    String aggregator = Credentials.create(DevKeys.key(DevKeys.AGGREGATOR)).getAddress();
    for (RollupEvent.VerifyBatchesTrustedAggregator v : verifications()) {
      assertEquals(l1.root(v.numBatch()).hex(), v.stateRoot(), "state root of batch " + v.numBatch());
      assertEquals(aggregator, v.aggregator());
    }
    // L1 shows the verification before the aggregator has processed its receipt: wait for its count
    awaitVerifications(a, 4);
    Aggregator.Status s = a.status();
    assertEquals(4, s.verifications());
    assertEquals(0, s.reverts());
    assertEquals(50, s.lastExecutedBatch());
  }

  @Test
  void followsBatchesSequencedWhileItRuns() {
    Aggregator a = start(Aggregator.Keys.dev(), freshH2(), defaults);
    l1.sequence(3, 2);
    awaitVerified(6);
    l1.sequence(4, 1);
    awaitVerified(10);
    assertEquals(l1.root(10).hex(), l1.rollup().batchNumToStateRoot(10));
    assertEquals(0, a.status().reverts());
  }

  @Test
  void aRestartedAggregatorResumesFromLastVerifiedBatchWithoutARevertOrASkip() {
    DataSource db = freshH2();
    Aggregator.Settings capped = defaults.withMaxBatchesPerProof(10);
    l1.sequence(5, 10);
    // slow enough to be stopped mid-way, with batches sequenced and not yet verified
    Aggregator first = start(Aggregator.Keys.dev(), db, capped.withInterval(Duration.ofSeconds(1)));
    awaitVerified(20);
    stopped(first);
    aggregators.remove(first);
    long reached = l1.rollup().lastVerifiedBatch();
    assertTrue(reached < 50, "stopped mid-way, at " + reached);
    assertEquals(0, first.status().reverts());

    Aggregator second = start(Aggregator.Keys.dev(), db, capped);
    awaitVerified(50);
    // exactly the ranges one uninterrupted aggregator verifies: each range once, none skipped
    assertEquals(List.of(10L, 20L, 30L, 40L, 50L), verifiedRanges());
    assertEquals(0, second.status().reverts());
    assertEquals(reached, second.status().resumedAfterBatch(), "its trie store holds the verified root: no re-execution before it");
    awaitVerifications(second, (50 - reached) / 10);
    assertEquals((50 - reached) / 10, second.status().verifications());
    assertEquals(l1.root(50).hex(), l1.rollup().batchNumToStateRoot(50));

    // And one with an empty database executes from the genesis and goes on from there.
    stopped(second);
    aggregators.remove(second);
    l1.sequence(5, 1);
    Aggregator third = start(Aggregator.Keys.dev(), freshH2(), capped);
    awaitVerified(55);
    assertEquals(l1.root(55).hex(), l1.rollup().batchNumToStateRoot(55));
    assertEquals(0, third.status().reverts());
    assertEquals(0, third.status().resumedAfterBatch(), "a new trie store executes from the genesis");
  }

  @Test
  void waitsUntilTheNewestBoundaryIsMinConfirmationsDeep() {
    l1.sequence(5, 2); // one L1 block each, the second at L1's head
    Aggregator a = start(Aggregator.Keys.dev(), freshH2(), defaults.withMinConfirmations(3));
    assertTrue(TestNodes.eventually(TIMEOUT, () -> a.status().lastExecutedBatch() == 10 && a.status().attempts() >= 3));
    assertEquals(0, l1.rollup().lastVerifiedBatch(), "batch 5 is 1 block deep, batch 10 at the head");

    l1.mine(2); // batch 5 is now 3 blocks deep, batch 10 two
    awaitVerified(5);
    l1.mine(1); // (the verification's own L1 block may already have made batch 10 deep enough)
    awaitVerified(10);
    assertEquals(List.of(5L, 10L), verifiedRanges());
    assertEquals(0, a.status().reverts());
  }

  @Test
  void aWrongProverKeyGetsInvalidProofRevertsAndVerifiesNothing() {
    l1.sequence(5, 2);
    Aggregator.Keys wrongProver = new Aggregator.Keys(Credentials.create(DevKeys.key(DevKeys.AGGREGATOR)),
        Credentials.create(DevKeys.key(4)).getEcKeyPair());
    Aggregator a = start(wrongProver, freshH2(), defaults);
    // retried at later intervals, never accepted
    assertTrue(TestNodes.eventually(TIMEOUT, () -> a.status().reverts() >= 3), "reverts: " + a.status());
    assertEquals("invalid proof", a.status().lastRevertReason());
    assertEquals(0, a.status().verifications());
    assertEquals(0, l1.rollup().lastVerifiedBatch());
    assertEquals(List.of(), verifiedRanges());
  }

  @Test
  void anL1ReorgOfASequenceIsExecutedAgainAndOfAVerificationVerifiedAgain() {
    l1.sequence(5, 2);
    Aggregator a = start(Aggregator.Keys.dev(), freshH2(), defaults.withMinConfirmations(3));
    assertTrue(TestNodes.eventually(TIMEOUT, () -> a.status().lastExecutedBatch() == 10));

    // batches 6..10 leave L1 before they are deep enough, and other batches 6..10 take their place
    l1.reorg(1);
    l1.sequence(5, 1);
    l1.mine(3);
    awaitVerified(10);
    assertEquals(l1.root(10).hex(), l1.rollup().batchNumToStateRoot(10), "the root of the batches L1 now has");

    // the verification itself leaves L1 (once the aggregator has its receipt): lastVerifiedBatch is 0
    // again, and the aggregator verifies again
    assertTrue(TestNodes.eventually(TIMEOUT, () -> a.status().verifications() == 1));
    l1.reorg(1);
    assertTrue(TestNodes.eventually(TIMEOUT, () -> a.status().verifications() == 2), "verified again: " + a.status());
    assertEquals(l1.root(10).hex(), l1.rollup().batchNumToStateRoot(10));
    assertEquals(List.of(10L), verifiedRanges());
    assertEquals(0, a.status().reverts());
  }

  @Test
  void anL1ReorgBelowWhereItResumedMakesItLookAgain() {
    DataSource db = freshH2();
    l1.sequence(5, 2);
    Aggregator first = start(Aggregator.Keys.dev(), db, defaults);
    assertTrue(TestNodes.eventually(TIMEOUT, () -> first.status().verifications() == 1));
    stopped(first);
    aggregators.remove(first);
    Aggregator second = start(Aggregator.Keys.dev(), db, defaults);
    assertTrue(TestNodes.eventually(TIMEOUT, () -> second.status().resumedAfterBatch() == 10
        && second.status().attempts() >= 1), "resumed from the block that sequenced batch 10: " + second.status());

    l1.reorg(2); // the sequencing of batches 6..10 (where it resumed) and their verification leave L1
    awaitVerified(5);
    l1.sequence(5, 1);
    awaitVerified(10);
    assertEquals(l1.root(10).hex(), l1.rollup().batchNumToStateRoot(10), "the root of the batches L1 now has");
    assertEquals(0, second.status().resumedAfterBatch(), "looked again: nothing verified, from the genesis");
  }

  @Test
  void anL1ThatIsDownIsRetriedWithBackoff() throws Exception {
    l1.sequence(5, 2);
    try (FlakyL1 flaky = new FlakyL1(anvil.url())) {
      Web3j web3j = Web3j.build(new HttpService(flaky.url()));
      flaky.down(true);
      Aggregator a = Aggregator.start(testKit.system(), web3j, l1.deployment(), Genesis.load(L1Workload.GENESIS_FILE),
          Aggregator.Keys.dev(), freshH2(), defaults);
      aggregators.add(a);
      assertTrue(TestNodes.eventually(TIMEOUT, () -> a.status().lastError() != null), "fails while L1 is down");
      assertEquals(-1, a.status().resumedAfterBatch());

      flaky.down(false);
      awaitVerified(10);
      assertTrue(TestNodes.eventually(TIMEOUT, () -> a.status().lastError() == null), "recovered");
      flaky.down(true);
      l1.sequence(5, 1);
      assertTrue(TestNodes.eventually(TIMEOUT, () -> a.status().lastError() != null), "fails again");
      flaky.down(false);
      awaitVerified(15);
      assertEquals(l1.root(15).hex(), l1.rollup().batchNumToStateRoot(15));
      assertEquals(List.of(10L, 15L), verifiedRanges());
      assertEquals(0, a.status().reverts());
      stopped(a);
      aggregators.remove(a);
      web3j.shutdown();
    }
  }

  @Test
  void aRootOnL1ThatIsNotItsOwnIsAStateRootMismatchAndStopsIt() {
    l1.sequence(5, 2);
    l1.verifyWrongRoot(5, "0x" + "ee".repeat(32)); // another aggregator's wrong root, accepted by the attestation
    Aggregator a = start(Aggregator.Keys.dev(), freshH2(), defaults);
    assertTrue(TestNodes.eventually(TIMEOUT, () -> a.status().stateRootMismatch()), "mismatch: " + a.status());
    assertEquals(5, l1.rollup().lastVerifiedBatch(), "nothing verified on top of a root it does not have");
    assertEquals(0, a.status().verifications());
    assertEquals(0, a.status().reverts());
    assertEquals(List.of(5L), verifiedRanges());
  }

  /** An HTTP relay in front of anvil that answers 503 while it is down. */
  static final class FlakyL1 implements AutoCloseable {
    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final ExecutorService relay = Executors.newFixedThreadPool(4);
    private volatile boolean down;

    FlakyL1(String target) throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", exchange -> {
        try (exchange) {
          byte[] request = exchange.getRequestBody().readAllBytes();
          if (down) {
            exchange.sendResponseHeaders(503, -1);
            return;
          }
          HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(target))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(request))
              .build(), HttpResponse.BodyHandlers.ofByteArray());
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(response.statusCode(), response.body().length);
          exchange.getResponseBody().write(response.body());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      server.setExecutor(relay);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void down(boolean isDown) {
      down = isDown;
    }

    @Override
    public void close() {
      server.stop(0);
      relay.shutdownNow();
    }
  }
}
