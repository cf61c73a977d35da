package zkchain.state;

import com.typesafe.config.Config;
import java.io.PrintStream;

/** {@code zkchain snapshot export|import}. */
public final class Snapshot {
  private Snapshot() {}

  public static int run(Config config, PrintStream out, PrintStream err) {
    err.println("zkchain snapshot: not available in this build");
    return 2;
  }
}
