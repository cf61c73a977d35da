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
      rollup.startAggregator();
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
      assertTrue(!browser.visible("#mismatch"), "no state root mismatch banner on a healthy node");
      System.out.println("screenshot of the node page: " + browser.screenshot("node-page").toAbsolutePath());
      browser.viewport(390, 844, true);
      browser.await("the phone layout", Duration.ofSeconds(10), () -> browser.visible("#trusted"));
      System.out.println("screenshot of the node page on a phone: " + browser.screenshot("node-page-phone").toAbsolutePath());
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
      ZkChainNode node = rollup.startNode("node", List.of(sequencer.feedUrl()));
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
      System.out.println("screenshot of a batch page: " + browser.screenshot("batch-page-trusted-reorg").toAbsolutePath());
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

  static String colour(Browser browser, String selector) {
    return (String) browser.eval("getComputedStyle(document.querySelector('" + selector + "')).backgroundColor");
  }

  static JsonNode status(ZkChainNode node) {
    try {
      var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.httpUrl() + "/status")).build(),
          HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
