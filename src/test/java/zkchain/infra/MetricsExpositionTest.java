package zkchain.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zkchain.testing.PrometheusText;

/**
 * The process's exposition read back with the strict parser: what is observed shows as the
 * protocol's names, histograms with their buckets; and the parser refuses what Prometheus refuses.
 */
class MetricsExpositionTest {
  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void observedEventsShowInTheTextFormat() {
    Metrics metrics = Metrics.get(testKit.system());
    metrics.l1Reorg(3);
    metrics.stageTime("trusted", "virtual", Duration.ofSeconds(4));
    metrics.gauge("zkchain_test_gauge", "a \"quoted\" \\ help\nline", cb -> cb.call(7, "a\"b\\c\nd"), "label");

    PrometheusText text = PrometheusText.parse(metrics.scrape());
    assertEquals(1, text.value("zkchain_l1_reorgs_total"));
    assertEquals(1, text.value("zkchain_l1_reorg_depth_count"));
    assertEquals(3, text.value("zkchain_l1_reorg_depth_sum"));
    assertEquals(0, text.value("zkchain_l1_reorg_depth_bucket", "le", "2.0"));
    assertEquals(1, text.value("zkchain_l1_reorg_depth_bucket", "le", "3.0"));
    assertEquals(1, text.value("zkchain_stage_seconds_count", "from", "trusted", "to", "virtual"));
    assertEquals(0, text.value("zkchain_stage_seconds_count", "from", "virtual", "to", "consolidated"));
    assertEquals(7, text.value("zkchain_test_gauge", "label", "a\"b\\c\nd"));
    assertEquals("histogram", text.families().get("zkchain_stage_seconds").type());
    assertEquals("counter", text.families().get("zkchain_l1_reorgs_total").type());
    assertTrue(text.sampleNames().contains("jvm_memory_used_bytes"), "JVM metrics are in: " + text.sampleNames());
    assertEquals(0, text.value("zkchain_transactions_total", "outcome", "skipped", "reason", "nonce"));
  }

  @Test
  void theParserRefusesWhatPrometheusRefuses() {
    for (String bad : List.of(
        "a 1",                                     // no final newline
        "1a 1\n",                                  // bad name
        "a{b=\"c} 1\n",                            // unterminated value
        "a{b=\"\\x\"} 1\n",                        // bad escape
        "a{b=\"1\",b=\"2\"} 1\n",                  // label twice
        "a one\n",                                 // bad value
        "a 1\na 2\n",                              // series twice
        "a 1\nb 1\na{x=\"1\"} 1\n",                // family split
        "# TYPE a counter\n# TYPE a gauge\na 1\n", // second TYPE
        "a 1\n# TYPE a gauge\n",                   // TYPE after samples
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // not cumulative
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n")) {                      // no +Inf
      assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(bad), bad);
    }
  }
}
