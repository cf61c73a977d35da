package zkchain.bench;

import akka.actor.typed.ActorSystem;
import akka.serialization.SerializationExtension;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import javax.sql.DataSource;
import org.web3j.crypto.ECKeyPair;
import zkchain.protocol.Secp256k1.Backend;
import zkchain.protocol.Secp256k1;

/**
 * The physical limits benchmarks print beside their own figures, measured in the same run.
 *
 * <p>Sender recovery on libsecp256k1 on all cores: every transfer a node accepts costs one
 * recovery, so no transfers-per-second figure can pass it; the distance to it is what the rest of
 * the node costs.
 *
 * <p>Raw batched JDBC inserts of journal-sized rows into the node's own database: every batch
 * transition is one event_journal row, so no transitions-per-second figure can pass what the
 * database takes when nothing but inserting such rows.
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
    return warmedMedian(() -> run(backend, threads, each, signed));
  }

  /** One warm-up run, then the median of {@value #RUNS} runs. */
  private static double warmedMedian(DoubleSupplier run) {
    run.getAsDouble();
    double[] rates = new double[RUNS];
    for (int i = 0; i < RUNS; i++) rates[i] = run.getAsDouble();
    Arrays.sort(rates);
    return rates[RUNS / 2];
  }

  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  private static double run(Backend backend, int threads, Duration each, List<Signed> signed) {
    return timedOnThreads(threads, each, "recovery", (thread, deadline) -> {
      long count = 0;
      for (int i = thread * signed.size() / threads; System.nanoTime() < deadline; i = (i + 1) % signed.size()) {
        Signed x = signed.get(i);
        if (Secp256k1.recover(backend, x.hash(), x.r(), x.s(), x.recoveryId()) == null) {
          throw new IllegalStateException("a workload signature did not recover on " + backend);
        }
        count++;
      }
      return count;
    });
  }

  /** What one thread does until the deadline (System.nanoTime()); returns how many units it did. */
  private interface Work {
    long until(int thread, long deadline);
  }

  /** Units per second of {@code threads} threads started together, each working for {@code each}. */
  private static double timedOnThreads(int threads, Duration each, String name, Work work) {
    LongAdder done = new LongAdder();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread worker = new Thread(() -> {
        await(start);
        try {
          done.add(work.until(thread, System.nanoTime() + each.toNanos()));
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        }
      }, name + "-" + t);
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
    if (failure.get() != null) throw failure.get();
    return done.sum() / ((System.nanoTime() - begin) / 1e9);
  }

  /**
   * Rows per second the database behind {@code dataSource} takes when nothing but inserting them:
   * rows shaped like akka-persistence-jdbc's event_journal rows (persistence_id "Batch|n",
   * sequence_number, {@code payload} as the event bytes, the same primary key), inserted
   * {@code rowsPerCommit} to a JDBC batch, each batch committed, on {@code threads} connections at
   * once, into a scratch table created here and dropped after. One warm-up run, then the median of
   * {@value #RUNS} runs sharing {@code duration}.
   */
  public static double rawJdbcInsertRate(DataSource dataSource, byte[] payload, int rowsPerCommit, int threads,
                                         Duration duration) {
    String table = "bench_raw_journal_" + Long.toHexString(System.nanoTime());
    Duration each = duration.dividedBy(RUNS + 1);
    try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
      boolean postgres = c.getMetaData().getDatabaseProductName().toLowerCase().contains("postgres");
      st.execute("CREATE TABLE " + table + " (persistence_id VARCHAR(255) NOT NULL, sequence_number BIGINT NOT NULL, "
          + "event_payload " + (postgres ? "BYTEA" : "BLOB") + " NOT NULL, PRIMARY KEY (persistence_id, sequence_number))");
      if (!c.getAutoCommit()) c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the scratch table " + table + ": " + e.getMessage(), e);
    }
    try {
      AtomicLong ids = new AtomicLong();
      return warmedMedian(() -> insertRun(dataSource, table, payload, rowsPerCommit, threads, each, ids));
    } finally {
      try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
        st.execute("DROP TABLE " + table);
        if (!c.getAutoCommit()) c.commit();
      } catch (SQLException e) {
        System.err.println("could not drop the scratch table " + table + ": " + e.getMessage());
      }
    }
  }

  private static double insertRun(DataSource dataSource, String table, byte[] payload, int rowsPerCommit,
                                  int threads, Duration each, AtomicLong ids) {
    String insert = "INSERT INTO " + table + " (persistence_id, sequence_number, event_payload) VALUES (?, ?, ?)";
    return timedOnThreads(threads, each, "jdbc", (thread, deadline) -> {
      long rows = 0;
      try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(insert)) {
        c.setAutoCommit(false);
        while (System.nanoTime() < deadline) {
          for (int r = 0; r < rowsPerCommit; r++) {
            ps.setString(1, "Batch|" + ids.incrementAndGet());
            ps.setLong(2, 1);
            ps.setBytes(3, payload);
            ps.addBatch();
          }
          ps.executeBatch();
          c.commit();
          rows += rowsPerCommit;
        }
        c.setAutoCommit(true);
      } catch (SQLException e) {
        throw new IllegalStateException("raw insert into " + table + " failed: " + e.getMessage(), e);
      }
      return rows;
    });
  }

  /** The bytes of {@code event} in the journal: what the node's serialization makes of it. */
  public static byte[] journalPayload(ActorSystem<?> system, Object event) {
    return SerializationExtension.get(system.classicSystem()).serialize(event).get();
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
