package zkchain.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The test browser itself: a page loads, its script runs, input reaches it, a screenshot is a PNG. */
class BrowserTest {
  @Test
  void drivesARealChromium() throws Exception {
    try (Browser browser = Browser.start()) {
      browser.open("data:text/html,<input id=q><button id=b onclick=\"document.title='clicked '+q.value\">go</button>");
      browser.type("#q", "42");
      browser.click("#b");
      browser.await("the click", Duration.ofSeconds(10), () -> "clicked 42".equals(browser.eval("document.title")));
      assertEquals(2L, ((Number) browser.eval("1 + 1")).longValue());
      var shot = browser.screenshot("browser-test");
      byte[] png = Files.readAllBytes(shot);
      assertTrue(png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG at " + shot);
    }
  }
}
