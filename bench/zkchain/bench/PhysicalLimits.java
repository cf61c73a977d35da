package zkchain.bench;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.LongAdder;
import org.web3j.crypto.ECKeyPair;
import zkchain.protocol.Secp256k1.Backend;
import zkchain.protocol.Secp256k1;

/**
 * The physical limit every benchmark prints beside its own figure, measured in the same run: sender
 * recovery on libsecp256k1 on all cores. Every transfer a node accepts costs one recovery, so no
 * transfers-per-second figure can pass it; the distance to it is what the rest of the node costs.
 */
public final class PhysicalLimits {
  private PhysicalLimits() {}

  static final int RUNS = 5;
  private static final int SIGNATURES = 1_000;

  /** A signed hash as a decoder hands it to recovery. */
  record Signed(byte[] hash, BigInteger r, BigInteger s, int recoveryId) {}

  private static List<Signed> workload;

  /** Recoveries per second on libsecp256k1 with one thread per core: the median of 5 runs sharing {@code duration}. */
  public static double nativeRecoveryRate(Duration duration) {
    if (!Secp256k1.nativeLoaded()) throw new IllegalStateException("libsecp256k1 is not loaded in this JVM");
    return recoveryRate(Backend.LIBSECP256K1, cores(), duration.dividedBy(RUNS + 1));
  }

  /** The line a benchmark prints beside its own figure. */
  public static String nativeRecoveryLine(Duration duration) {
    if (!Secp256k1.nativeLoaded()) {
      return "physical limit: none measured, libsecp256k1 is not loaded (backend " + Secp256k1.backend() + ")";
    }
    return String.format("physical limit, same run: sender recovery on libsecp256k1, %d threads: %,.0f recoveries/s"
        + " (one per transfer)", cores(), nativeRecoveryRate(duration));
  }

  /**
   * Recoveries per second through {@link Secp256k1#recover} on {@code backend} with {@code threads}
   * threads, each walking its own offset of the same signatures: one warm-up run, then the median
   * of {@value #RUNS} runs of {@code each}.
   */
  public static double recoveryRate(Backend backend, int threads, Duration each) {
    List<Signed> signed = workload();
    run(backend, threads, each, signed);
    double[] rates = new double[RUNS];
    for (int i = 0; i < RUNS; i++) rates[i] = run(backend, threads, each, signed);
    Arrays.sort(rates);
    return rates[RUNS / 2];
  }

  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  private static double run(Backend backend, int threads, Duration each, List<Signed> signed) {
    LongAdder recovered = new LongAdder();
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int offset = t * signed.size() / threads;
      Thread worker = new Thread(() -> {
        await(start);
        long deadline = System.nanoTime() + each.toNanos();
        long count = 0;
        for (int i = offset; System.nanoTime() < deadline; i = (i + 1) % signed.size()) {
          Signed x = signed.get(i);
          if (Secp256k1.recover(backend, x.hash(), x.r(), x.s(), x.recoveryId()) == null) {
            throw new IllegalStateException("a workload signature did not recover on " + backend);
          }
          count++;
        }
        recovered.add(count);
      }, "recovery-" + t);
      worker.start();
      workers.add(worker);
    }
    await(start);
    long begin = System.nanoTime();
    for (Thread worker : workers) {
      try {
        worker.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return recovered.sum() / ((System.nanoTime() - begin) / 1e9);
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** 1,000 keys each signing a random hash, made once per JVM. */
  static synchronized List<Signed> workload() {
    if (workload == null) {
      Random random = new Random(7);
      List<Signed> signed = new ArrayList<>();
      for (int i = 0; i < SIGNATURES; i++) {
        ECKeyPair key = ECKeyPair.create(new BigInteger(250, random).add(BigInteger.ONE));
        byte[] hash = new byte[32];
        random.nextBytes(hash);
        byte[] sig = Secp256k1.sign(hash, key);
        signed.add(new Signed(hash, new BigInteger(1, sig, 0, 32), new BigInteger(1, sig, 32, 32), sig[64] - 27));
      }
      workload = List.copyOf(signed);
    }
    return workload;
  }
}
