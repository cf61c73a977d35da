package zkchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import zkchain.aggregator.AggregatorRole;
import zkchain.node.ZkChainNode;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.LocalRollup;
import zkchain.testing.PrometheusText;
import zkchain.testing.TestNodes;

/**
 * GET /metrics on every role of a real rollup (anvil, sequencer, aggregator, a node following the
 * feed and L1), read with a strict parser of the Prometheus text format: the node's heads are
 * those of /status, the counts are those of what was sent, stage times are observed once per
 * live transition and never on replay; and the Grafana dashboard and the alert rules of deploy/
 * name only metrics that the roles expose.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration STAGES = Duration.ofSeconds(120);
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static LocalRollup rollup;
  static SequencerRole sequencer;
  static AggregatorRole aggregator;
  static ZkChainNode node;
  static int sent;
  static long last;

  @BeforeAll
  static void startRollup() throws Exception {
    rollup = new LocalRollup(dir);
    sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.batch.max-transactions", 20));
    aggregator = rollup.startAggregator();
    node = rollup.startNode("node", List.of(sequencer.feedUrl()));
    sent = rollup.sendTransfers(120).size();
    last = rollup.awaitSequencedAndVerified(sequencer);
    String[] seen = {""};
    assertTrue(TestNodes.eventually(STAGES, () -> {
      JsonNode h = status(node.httpUrl()).get("heads");
      seen[0] = h.toString();
      return h.get("trusted").asLong() == last && h.get("virtual").asLong() == last
          && h.get("consolidated").asLong() == last;
    }), "node heads " + seen[0] + ", expected " + last + " in every stage");
  }

  @AfterAll
  static void stopRollup() {
    if (rollup != null) rollup.close();
  }

  static JsonNode status(String url) {
    try {
      return JSON.readTree(TestNodes.get(url + "/status").body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** GET /metrics, checked to be the Prometheus text format by its content type and by the strict parser. */
  static PrometheusText metrics(String url) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/metrics"))
        .timeout(TestNodes.TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    String type = r.headers().firstValue("content-type").orElse("");
    assertTrue(type.startsWith("text/plain") && type.contains("version=0.0.4"), "content type " + type);
    return PrometheusText.parse(r.body());
  }

  static List<String> roleUrls() {
    return List.of(node.httpUrl(), sequencer.process().httpUrl(), aggregator.process().httpUrl());
  }

  @Test
  @Order(1)
  void theNodesHeadsOnMetricsAreThoseOfStatus() throws Exception {
    JsonNode before = status(node.httpUrl());
    PrometheusText m = metrics(node.httpUrl());
    JsonNode after = status(node.httpUrl());
    for (String stage : List.of("trusted", "virtual", "consolidated")) {
      assertEquals(before.get("heads").get(stage), after.get("heads").get(stage), "heads moved while /metrics was read");
    }
    JsonNode heads = before.get("heads");
    for (String stage : List.of("trusted", "virtual", "consolidated")) {
      assertEquals(heads.get(stage).asLong(), (long) m.value("zkchain_batch_head", "stage", stage), stage);
    }
    assertEquals("gauge", m.families().get("zkchain_batch_head").type());
    assertFalse(before.get("stateRootMismatch").get("open").asBoolean());
    assertEquals(0, m.value("zkchain_state_root_mismatch"));

    double head = m.value("zkchain_l1_block", "kind", "head");
    double finalized = m.value("zkchain_l1_block", "kind", "finalized");
    double processed = m.value("zkchain_l1_block", "kind", "processed");
    assertTrue(processed > 0 && processed <= finalized && finalized <= head, head + " " + finalized + " " + processed);
    assertEquals(0, m.value("zkchain_l1_reorgs_total"));

    // every batch went Virtual to Consolidated live on this node: observed once each
    assertEquals(last, (long) m.value("zkchain_stage_seconds_count", "from", "virtual", "to", "consolidated"));
    double trustedToVirtual = m.value("zkchain_stage_seconds_count", "from", "trusted", "to", "virtual");
    assertTrue(trustedToVirtual > 0 && trustedToVirtual <= last, trustedToVirtual + " of " + last);
    assertTrue(m.value("zkchain_stage_seconds_sum", "from", "virtual", "to", "consolidated") > 0);

    assertTrue(m.value("zkchain_feed_batches_total", "outcome", "recorded") > 0);
    assertEquals(0, m.value("zkchain_feed_rejected_total", "reason", "bad-signature"));
    assertTrue(m.value("zkchain_transactions_total", "outcome", "applied") >= sent, "the node executed every transfer");
    assertTrue(m.value("zkchain_execution_seconds_count") > 0);
  }

  @Test
  @Order(2)
  void theSequencerAndTheAggregatorCountWhatTheyDid() throws Exception {
    PrometheusText s = metrics(sequencer.process().httpUrl());
    assertEquals(sent, (long) s.value("zkchain_sequencer_admissions_total", "outcome", "admitted"));
    assertEquals(0, s.value("zkchain_sequencer_admissions_total", "outcome", "refused", "reason", "nonce"));
    assertEquals(last, (long) s.value("zkchain_sequencer_batches_closed_total"));
    assertEquals(sent, (long) s.value("zkchain_sequencer_closed_transactions_total"));
    assertEquals(last, (long) s.value("zkchain_sequencer_batches_sequenced_total"));
    assertTrue(s.value("zkchain_sequencer_l1_gas_total") > 21_000 * 2, "sequenceBatches calls cost L1 gas");
    assertEquals(sent, (long) s.value("zkchain_transactions_total", "outcome", "applied"),
        "the sequencer executes each batch it closes once");

    PrometheusText a = metrics(aggregator.process().httpUrl());
    assertTrue(a.value("zkchain_aggregator_verified_ranges_total") >= 1);
    assertTrue(a.value("zkchain_aggregator_attempts_total") >= a.value("zkchain_aggregator_verified_ranges_total"));
    assertEquals(last, (long) a.value("zkchain_aggregator_batch", "kind", "verified"));
    assertEquals(0, a.value("zkchain_state_root_mismatch"));
  }

  @Test
  @Order(3)
  void everyRoleServesMetricsWithTheJvmsOwn() throws Exception {
    for (String url : roleUrls()) {
      PrometheusText m = metrics(url);
      for (String jvm : List.of("jvm_memory_used_bytes", "jvm_threads_current", "process_cpu_seconds_total")) {
        assertTrue(m.sampleNames().contains(jvm), url + " lacks " + jvm);
      }
      assertTrue(m.sampleNames().contains("zkchain_execution_seconds_count"), url);
    }
  }

  @Test
  @Order(4)
  void theDashboardAndTheAlertsNameOnlyExposedMetrics() throws Exception {
    Set<String> exposed = new TreeSet<>();
    Set<String> families = new TreeSet<>();
    for (String url : roleUrls()) {
      PrometheusText m = metrics(url);
      exposed.addAll(m.sampleNames());
      m.families().keySet().stream().filter(f -> f.startsWith("zkchain_")).forEach(families::add);
    }

    JsonNode dashboard = JSON.readTree(Files.readString(Path.of("deploy/grafana/zkchain-dashboard.json")));
    List<String> exprs = new ArrayList<>();
    collectExprs(dashboard.get("panels"), exprs);
    assertTrue(exprs.size() > 20, exprs.size() + " panel queries");
    Set<String> referenced = new TreeSet<>();
    for (String expr : exprs) {
      Set<String> names = metricNames(expr);
      assertFalse(names.isEmpty(), "no metric in " + expr);
      for (String name : names) assertTrue(exposed.contains(name), "the dashboard's " + name + " (in " + expr + ") "
          + "is not on any role's /metrics");
      referenced.addAll(names);
    }
    for (JsonNode variable : dashboard.get("templating").get("list")) {
      Matcher m = Pattern.compile("label_values\\(([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(variable.path("definition").asText());
      while (m.find()) assertTrue(exposed.contains(m.group(1)), "dashboard variable " + variable.get("name"));
    }
    // and the other way round: every zk-chain metric has a panel
    for (String family : families) {
      assertTrue(referenced.stream().anyMatch(r -> r.equals(family) || r.startsWith(family + "_")),
          family + " is on no panel of the dashboard");
    }

    Map<String, Object> alerts = new Yaml().load(Files.readString(Path.of("deploy/prometheus/alerts.yml")));
    int rules = 0;
    for (Map<String, Object> group : list(alerts.get("groups"))) {
      for (Map<String, Object> rule : list(group.get("rules"))) {
        String expr = rule.get("expr").toString();
        Set<String> names = metricNames(expr);
        assertFalse(names.isEmpty(), "no metric in alert " + rule.get("alert"));
        for (String name : names) assertTrue(exposed.contains(name), "alert " + rule.get("alert") + " reads " + name
            + ", which no role exposes");
        rules++;
      }
    }
    assertTrue(rules >= 3, rules + " alert rules");

    Map<String, Object> prometheus = new Yaml().load(Files.readString(Path.of("deploy/prometheus/prometheus.yml")));
    assertEquals(List.of("alerts.yml"), prometheus.get("rule_files"));
    Set<String> jobs = new TreeSet<>();
    for (Map<String, Object> job : list(prometheus.get("scrape_configs"))) {
      assertEquals("/metrics", job.get("metrics_path"), job.get("job_name").toString());
      jobs.add(job.get("job_name").toString());
    }
    assertEquals(Set.of("zkchain-aggregator", "zkchain-node", "zkchain-sequencer"), jobs);
  }

  /** Replaying a batch's journal times nothing: a restarted node has observed no stage transition. */
  @Test
  @Order(5)
  void aRestartedNodeReplaysWithoutObservingStageTimes() throws Exception {
    rollup.stop(node);
    node = rollup.startNode("node", List.of(sequencer.feedUrl()));
    for (long n = 1; n <= last; n++) {
      assertEquals(200, TestNodes.get(node.httpUrl() + "/batches/" + n).status(), "batch " + n);
    }
    assertTrue(TestNodes.eventually(STAGES, () -> status(node.httpUrl()).get("heads").get("consolidated").asLong() == last));
    PrometheusText m = metrics(node.httpUrl());
    assertEquals(0, m.value("zkchain_stage_seconds_count", "from", "trusted", "to", "virtual"));
    assertEquals(0, m.value("zkchain_stage_seconds_count", "from", "virtual", "to", "consolidated"));
    assertEquals(last, (long) m.value("zkchain_batch_head", "stage", "consolidated"));
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  static void collectExprs(JsonNode panels, List<String> out) {
    if (panels == null) return;
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        if (target.has("expr")) out.add(target.get("expr").asText());
      }
      collectExprs(panel.get("panels"), out); // a row's own panels
    }
  }

  private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
      "on", "ignoring", "group_left", "group_right", "inf", "nan");

  /**
   * The metric names a PromQL expression reads: identifiers outside label matchers, strings,
   * ranges and grouping clauses that are neither a function nor an operator keyword.
   */
  static Set<String> metricNames(String expr) {
    String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
        .replaceAll("\\{[^}]*\\}", " ")
        .replaceAll("\\[[^\\]]*\\]", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
        .replaceAll("\\$\\w+", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("(?<![0-9.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(s);
    while (m.find()) {
      if (m.group(2) != null) continue; // a function or an aggregation
      if (PROMQL_WORDS.contains(m.group(1).toLowerCase())) continue;
      names.add(m.group(1));
    }
    return names;
  }
}
