package zkchain.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;

/** conf/aggregator.conf: its defaults, and keys that must be given. */
class AggregatorSettingsTest {
  @Test
  void defaultsVerifyAtTheHeadEverySecondWithoutACap() {
    Aggregator.Settings s = Aggregator.Settings.from(ConfigFactory.load());
    assertEquals(0, s.minConfirmations());
    assertEquals(Duration.ofSeconds(1), s.interval());
    assertEquals(0, s.maxBatchesPerProof());
    assertEquals("zkchain.aggregator.blocking-dispatcher", s.dispatcher());
  }

  @Test
  void overridesApply() {
    Aggregator.Settings s = Aggregator.Settings.from(ConfigFactory.parseMap(Map.of(
        "zkchain.aggregator.min-confirmations", 12, "zkchain.aggregator.interval", "30s",
        "zkchain.aggregator.max-batches-per-proof", 500)).withFallback(ConfigFactory.load()));
    assertEquals(12, s.minConfirmations());
    assertEquals(Duration.ofSeconds(30), s.interval());
    assertEquals(500, s.maxBatchesPerProof());
  }

  @Test
  void keysMustBeConfiguredAndNeverPrinted() {
    assertThrows(IllegalArgumentException.class, () -> Aggregator.Keys.from(ConfigFactory.load()));
    Aggregator.Keys keys = Aggregator.Keys.from(ConfigFactory.parseMap(Map.of(
        "zkchain.aggregator.aggregator-key", DevKeys.key(DevKeys.AGGREGATOR),
        "zkchain.aggregator.prover-key", DevKeys.key(DevKeys.PROVER))).withFallback(ConfigFactory.load()));
    assertEquals(Aggregator.Keys.dev().aggregator().getAddress(), keys.aggregator().getAddress());
    assertEquals(Credentials.create(DevKeys.key(DevKeys.PROVER)).getEcKeyPair(), keys.prover());
    assertFalse(keys.toString().contains(DevKeys.key(DevKeys.PROVER).substring(2)));
    assertFalse(keys.toString().contains(DevKeys.key(DevKeys.AGGREGATOR).substring(2)));
  }
}
