package zkchain.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The README's screenshots of a running node's pages, taken in headless Chromium after the page
 * has had its live updates for a while:
 * {@code mvn -o -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.testing.Screenshot
 * -Dexec.args="http://127.0.0.1:8080/ docs/node-page.png 15"}.
 */
public final class Screenshot {
  private Screenshot() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: Screenshot URL FILE.png [SECONDS]");
      System.exit(2);
    }
    long seconds = args.length > 2 ? Long.parseLong(args[2]) : 10;
    try (Browser browser = Browser.start()) {
      browser.open(args[0]);
      Thread.sleep(seconds * 1000);
      Path shot = browser.screenshot("readme");
      Files.copy(shot, Path.of(args[1]), StandardCopyOption.REPLACE_EXISTING);
      System.out.println(args[1]);
    }
  }
}
