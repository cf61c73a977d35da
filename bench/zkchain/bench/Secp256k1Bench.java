package zkchain.bench;

import java.time.Duration;
import zkchain.protocol.Secp256k1.Backend;
import zkchain.protocol.Secp256k1;

/**
 * Sender recovery through {@link Secp256k1#recover} (the protocol's checks included) on
 * libsecp256k1 and on Bouncy Castle, on one thread and on all cores, with the ratio. Each figure is
 * the median of 5 runs after a warm-up run. Prints figures, asserts nothing. Run:
 *
 * <pre>mvn -o -q -Pbench test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.Secp256k1Bench [-Dseconds=2]</pre>
 */
public final class Secp256k1Bench {
  public static void main(String[] args) {
    Duration each = Duration.ofMillis((long) (1000 * Double.parseDouble(System.getProperty("seconds", "2"))));
    System.out.printf("Secp256k1Bench: backend in use %s, %d cores, median of %d runs of %.1f s each%n",
        Secp256k1.backend(), PhysicalLimits.cores(), PhysicalLimits.RUNS, each.toMillis() / 1e3);
    if (!Secp256k1.nativeLoaded()) {
      System.out.println("libsecp256k1 is not loaded in this JVM: nothing to compare (see the log line above)");
      return;
    }
    PhysicalLimits.workload();
    for (int threads : new int[] {1, PhysicalLimits.cores()}) {
      double nat = PhysicalLimits.recoveryRate(Backend.LIBSECP256K1, threads, each);
      double bc = PhysicalLimits.recoveryRate(Backend.BOUNCY_CASTLE, threads, each);
      System.out.printf("%d thread%s: libsecp256k1 %,8.0f recoveries/s (%5.1f us each), bouncy-castle %,8.0f/s"
              + " (%5.1f us each), ratio %.2f%n", threads, threads == 1 ? " " : "s", nat, threads * 1e6 / nat,
          bc, threads * 1e6 / bc, nat / bc);
    }
  }
}
