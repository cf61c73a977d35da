package zkchain.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.node.ZkChainNode;
import zkchain.sequencer.SequencerRole;
import zkchain.testing.Browser;
import zkchain.testing.LocalRollup;

/** Issue 12: the node's web page in a real headless Chromium, against a node on a real devnet. */
class NodePageTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration STAGES = Duration.ofSeconds(120);

  @TempDir Path dir;

  @Test
  void theHeadsOnThePageEqualStatusAndMove() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir); Browser browser = Browser.start()) {
      SequencerRole sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.batch.max-transactions", 10));
      var aggregator = rollup.startAggregator();
      ZkChainNode node = rollup.startNode("node", List.of(sequencer.feedUrl()));
      browser.open(node.httpUrl() + "/");
      browser.await("the page's first live status", STAGES, () -> "live".equals(browser.text("#connection")));
      long before = Long.parseLong(browser.text("#trusted"));

      rollup.sendTransfers(40);
      browser.await("the Trusted head moving on the page", STAGES, () -> Long.parseLong(browser.text("#trusted")) > before);
      rollup.awaitSequencedAndVerified(sequencer);
      // the node settles: then every head on the page is the one /status gives
      browser.await("the page's heads equal to /status", STAGES, () -> {
        JsonNode heads = status(node).get("heads");
        return heads.get("consolidated").asLong() == heads.get("trusted").asLong()
            && browser.text("#trusted").equals(heads.get("trusted").asText())
            && browser.text("#virtual").equals(heads.get("virtual").asText())
            && browser.text("#consolidated").equals(heads.get("consolidated").asText());
      });
      assertTrue(browser.text("#l1-head").matches("[0-9]+"), "the L1 head: " + browser.text("#l1-head"));
      assertTrue(browser.text("#virtual-lag").startsWith("0 batches behind trusted"), browser.text("#virtual-lag"));
      assertTrue(browser.text("#feed").contains(sequencer.feedUrl()), "the feed upstream: " + browser.text("#feed"));
      // the plots: each batch's time to Virtual and to Consolidated, from the node's stage times, and the transfer rate
      browser.await("dots for the batches' stage times", STAGES, () -> count(browser, "#stage-plot circle.dot.virtual") > 0
          && count(browser, "#stage-plot circle.dot.consolidated") > 0);
      assertTrue(browser.text("#stage-plot-note").matches("median Trusted → Virtual [0-9.]+ s, Virtual → Consolidated [0-9.]+ s.*"),
          browser.text("#stage-plot-note"));
      assertTrue(count(browser, "#rate-plot circle.dot.rate") > 0, "points of the transfer rate");
      assertTrue(Double.parseDouble(String.valueOf(browser.eval("Math.max(...[...document.querySelectorAll("
          + "'#rate-plot circle')].map(c => 180 - c.cy.baseVal.value))"))) > 18, "a rate above zero is plotted above the axis");
      // hovering a cell gives its roots
      browser.hover("#batch-1");
      browser.await("batch 1's roots on hover", Duration.ofSeconds(10), () -> browser.text("#cell-info")
          .matches("batch 1 · consolidated · state root 0x[0-9a-f]{8}…[0-9a-f]{6}( · verified 0x[0-9a-f]{8}…[0-9a-f]{6})?"));
      assertTrue(!browser.visible("#mismatch"), "no state root mismatch banner on a healthy node");
      System.out.println("screenshot of the node page: " + browser.screenshot("node-page").toAbsolutePath());
      browser.viewport(390, 844, true);
      browser.await("the phone layout", Duration.ofSeconds(10), () -> browser.visible("#trusted"));
      System.out.println("screenshot of the node page on a phone: " + browser.screenshot("node-page-phone").toAbsolutePath());
      browser.viewport(1280, 900, false);

      // the sequencer's and the aggregator's pages show their own sections, not a node's heads
      browser.open("http://127.0.0.1:" + sequencer.process().httpPort() + "/");
      browser.await("the sequencer's own section", STAGES, () -> browser.text("#role-title").equals("Sequencer")
          && browser.text("#role-section").contains("lastClosedBatch"));
      assertTrue(!browser.visible("#trusted") && !browser.visible("#strip"), "no node heads on the sequencer's page");
      browser.screenshot("sequencer-page");
      browser.open("http://127.0.0.1:" + aggregator.process().httpPort() + "/");
      browser.await("the aggregator's own section", STAGES, () -> browser.text("#role-title").equals("Aggregator")
          && !browser.text("#role-section").isEmpty());
      browser.screenshot("aggregator-page");
    }
  }

  @Test
  void theSearchFindsATransactionByHashABatchByNumberAndSaysWhatItCannotFind() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir); Browser browser = Browser.start()) {
      SequencerRole sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.batch.max-transactions", 10));
      ZkChainNode node = rollup.startNode("node", List.of(sequencer.feedUrl()), Map.of("zkchain.rpc.enabled", true,
          "zkchain.rpc.port", 0, "zkchain.rpc.sequencer-url", sequencer.rpcUrl()));
      List<String> sent = rollup.sendTransfers(25);
      String wanted = sent.get(17);
      assertTrue(zkchain.testing.TestNodes.eventually(STAGES, () -> zkchain.testing.TestNodes.get(
          node.httpUrl() + "/search?q=" + wanted).status() == 200), "the transaction indexed");

      browser.open(node.httpUrl() + "/");
      browser.await("the page", STAGES, () -> "live".equals(browser.text("#connection")));
      browser.type("#search-query", wanted);
      browser.pressEnter();
      browser.await("the batch page holding the transaction", STAGES,
          () -> String.valueOf(browser.eval("location.pathname")).startsWith("/batches/")
              && browser.visible("#tx-" + wanted + ".found"));
      String row = browser.text("#tx-" + wanted);
      assertTrue(row.contains("applied"), "the transaction applied: " + row);
      assertTrue(browser.text("#tx-summary").matches("[0-9]+ transactions: [0-9]+ applied, 0 skipped"), browser.text("#tx-summary"));
      assertTrue(browser.text("#tx-note").contains("the same state root as recorded"), browser.text("#tx-note"));
      long batch = Long.parseLong(String.valueOf(browser.eval("location.pathname")).substring("/batches/".length()));
      assertTrue(zkchain.testing.TestNodes.get(node.httpUrl() + "/batches/" + batch + "/replay").body().contains(wanted),
          "batch " + batch + " holds the transaction");
      System.out.println("screenshot of a search result: " + browser.screenshot("search-transaction").toAbsolutePath());
      browser.viewport(390, 844, true);
      browser.await("the batch page on a phone: the row without its wide column", Duration.ofSeconds(10),
          () -> browser.visible("#tx-" + wanted) && !browser.visible("#transactions td.wide")
              && browser.text("#tx-" + wanted).contains(wanted.substring(0, 10) + "…" + wanted.substring(58)));
      browser.screenshot("batch-page-phone");
      browser.viewport(1280, 900, false);

      // a batch number opens its page; an unknown hash and a malformed query are answered on the page
      browser.type("#search-query", "1");
      browser.pressEnter();
      browser.await("batch 1's page", STAGES, () -> "/batches/1".equals(browser.eval("location.pathname"))
          && "1".equals(browser.text("#number")));
      String unknown = "0x" + "ab".repeat(32);
      browser.type("#search-query", unknown);
      browser.pressEnter();
      browser.await("the answer to an unknown hash", Duration.ofSeconds(30), () -> browser.visible("#search-error")
          && browser.text("#search-error").contains("knows no batch, transaction or L2 block '" + unknown + "'"));
      browser.eval("document.querySelector('#search-query').value = ''");
      browser.type("#search-query", "0xnot-a-hash");
      browser.pressEnter();
      browser.await("the answer to a malformed query", Duration.ofSeconds(30),
          () -> browser.text("#search-error").startsWith("search for a batch number, a transaction hash or an L2 block hash"));
      assertTrue("/batches/1".equals(browser.eval("location.pathname")), "a failed search stays on the page");
      var malformed = zkchain.testing.TestNodes.get(node.httpUrl() + "/search?q=%27;DROP");
      assertTrue(malformed.status() == 400 && malformed.body().contains("\"error\""), malformed.body());
    }
  }

  @Test
  void aCellOfTheStripChangesColourWhenItsBatchBecomesVirtual() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir); Browser browser = Browser.start()) {
      SequencerRole sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.batch.max-transactions", 10));
      ZkChainNode node = rollup.startNode("node", List.of(sequencer.feedUrl()));
      browser.open(node.httpUrl() + "/");
      rollup.anvil().pauseMining(); // batches stay Trusted until L1 mines again
      rollup.sendTransfers(20);
      browser.await("a Trusted batch in the strip", STAGES, () -> browser.visible("#strip a.cell.trusted"));
      String cell = "#" + browser.eval("document.querySelector('#strip a.cell.trusted').id");
      String colourTrusted = colour(browser, cell);
      // L1 mines nothing: the Virtual head's lag grows in seconds, as the node's stage times tell
      browser.await("the Virtual head's lag in seconds", STAGES, () -> browser.text("#virtual-lag")
          .matches("[1-9][0-9]* batch(es)? behind trusted, [2-9][0-9]* s"));
      long lagSeconds = status(node).get("heads").get("lagSeconds").get("virtual").asLong();
      assertTrue(lagSeconds >= 2, "/status heads.lagSeconds.virtual: " + lagSeconds);

      browser.hover(cell);
      browser.await("the hovered cell's number and stage", Duration.ofSeconds(10),
          () -> browser.text("#cell-info").matches("batch [0-9]+ · trusted.*"));
      rollup.anvil().mineEverySecond();
      browser.await("the same cell Virtual", STAGES, () -> !"trusted".equals(browser.eval(
          "document.querySelector('" + cell + "').dataset.stage")));
      assertTrue(!colourTrusted.equals(colour(browser, cell)), "the cell's colour changed from " + colourTrusted);
      browser.screenshot("node-page-strip");

      String number = cell.substring("#batch-".length());
      browser.click(cell);
      browser.await("the batch page of batch " + number, STAGES,
          () -> String.valueOf(browser.eval("location.pathname")).equals("/batches/" + number));
    }
  }

  @Test
  void theBatchPageOfATrustedReorgShowsBothVersions() throws Exception {
    try (LocalRollup rollup = new LocalRollup(dir); Browser browser = Browser.start()) {
      // the test hook: batch 2 goes to L1 with an empty transactions list, not what the feed carried
      SequencerRole sequencer = rollup.startSequencer(Map.of("zkchain.sequencer.test-hooks.sequence-divergent-batch", 2,
          "zkchain.sequencer.batch.max-transactions", 20));
      ZkChainNode node = rollup.startNode("node", List.of(sequencer.feedUrl()),
          Map.of("zkchain.http.l1-explorer-tx-url", "https://explorer.example/tx/{hash}"));
      rollup.anvil().pauseMining();
      rollup.sendTransfers(60);
      assertTrue(zkchain.testing.TestNodes.eventually(STAGES, () -> status(node).get("heads").get("trusted").asLong() >= 3),
          "batches 1 to 3 Trusted from the feed");
      rollup.anvil().mineEverySecond();
      assertTrue(zkchain.testing.TestNodes.eventually(STAGES, () -> batchJson(node, 2).hasNonNull("trustedReorg")),
          "batch 2's trusted reorg");

      browser.open(node.httpUrl() + "/batches/2");
      browser.await("both versions on batch 2's page", STAGES, () -> browser.visible("#reorg-card")
          && browser.text("#reorg-trusted").contains("transactions") && browser.text("#reorg-l1").contains("transactions"));
      assertTrue(browser.text("#reorg-fields").contains("transactions"), browser.text("#reorg-fields"));
      assertTrue(!browser.text("#reorg-trusted").equals(browser.text("#reorg-l1")), "the two versions differ");
      assertTrue(browser.text("#history").contains("→"), "the history timeline: " + browser.text("#history"));
      browser.await("the journal events", Duration.ofSeconds(30), () -> browser.text("#events").contains("#1 "));
      String sequencedBy = batchJson(node, 2).get("virtualL1").get("transactionHash").asText();
      browser.await("the L1 transaction linked", Duration.ofSeconds(30), () -> ("https://explorer.example/tx/" + sequencedBy)
          .equals(browser.eval("(a => a && a.href)(document.querySelector('#l1refs a.l1-tx'))")));
      System.out.println("screenshot of a batch page: " + browser.screenshot("batch-page-trusted-reorg").toAbsolutePath());

      // the node page marks the batch where the trusted reorg happened, and only it
      browser.open(node.httpUrl() + "/");
      browser.await("batch 2 marked in the strip", STAGES, () -> browser.visible("#batch-2.reorg"));
      assertTrue(!browser.visible("#batch-1.reorg") && !browser.visible("#batch-3.reorg"), "only batch 2 is marked");
      assertTrue(String.valueOf(browser.eval("document.querySelector('#batch-2').title")).endsWith("· trusted reorg"),
          String.valueOf(browser.eval("document.querySelector('#batch-2').title")));
      browser.screenshot("node-page-trusted-reorg");
    }
  }

  /** /batches/{n} as every non-browser client gets it: JSON. */
  static JsonNode batchJson(ZkChainNode node, long n) {
    try {
      var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.httpUrl() + "/batches/" + n))
          .header("Accept", "*/*").build(), HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static long count(Browser browser, String selector) {
    return ((Number) browser.eval("document.querySelectorAll(" + Browser.quote(selector) + ").length")).longValue();
  }

  static String colour(Browser browser, String selector) {
    return (String) browser.eval("getComputedStyle(document.querySelector('" + selector + "')).backgroundColor");
  }

  static JsonNode status(ZkChainNode node) {
    try {
      return JSON.readTree(zkchain.testing.TestNodes.get(node.httpUrl() + "/status").body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
