package zkchain.bench;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.h2.jdbcx.JdbcDataSource;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import zkchain.execution.Account;
import zkchain.execution.CachingNodeStore;
import zkchain.execution.ChainConfig;
import zkchain.execution.ExecutionResult;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.execution.JdbcNodeStore;
import zkchain.execution.NodeStore;
import zkchain.execution.WorldState;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Hash32;
import zkchain.protocol.Secp256k1;
import zkchain.protocol.Transaction;
import zkchain.protocol.TransactionDecoder;

/**
 * Transfers per second through the Executor: one batch of 1,000 transfers among 100,000 existing
 * accounts, executed again and again from the same parent root (as a node re-executes a batch),
 * with sender recovery alone and the state/trie work alone measured apart. Prints figures, asserts
 * nothing. Run:
 *
 * <pre>mvn -o -q -Pbench test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=zkchain.bench.ExecutorBench</pre>
 */
public final class ExecutorBench {
  static final long CHAIN = 1001;
  static final int ACCOUNTS = 100_000;
  static final int TRANSFERS = 1_000;
  static final int WARMUP = 5;
  static final int RUNS = 15;

  public static void main(String[] args) {
    Random random = new Random(1);
    System.out.printf("ExecutorBench: %d transfers per batch, %d existing accounts, %d cores, secp256k1 on %s%n",
        TRANSFERS, ACCOUNTS, Runtime.getRuntime().availableProcessors(), Secp256k1.backend());

    List<Credentials> senders = new ArrayList<>();
    Map<Address, Account> alloc = new HashMap<>();
    for (int i = 0; i < TRANSFERS; i++) {
      Credentials key = Credentials.create(ECKeyPair.create(BigInteger.valueOf(1_000_003L * (i + 1))));
      senders.add(key);
      alloc.put(Address.of(key.getAddress()), new Account(0, BigInteger.TEN.pow(21)));
    }
    List<Address> others = new ArrayList<>();
    while (alloc.size() < ACCOUNTS) {
      byte[] a = new byte[20];
      random.nextBytes(a);
      others.add(new Address(a));
      alloc.put(new Address(a), new Account(random.nextInt(100), BigInteger.valueOf(random.nextInt(1 << 30))));
    }
    Genesis genesis = new Genesis(CHAIN, alloc);

    List<byte[]> raw = new ArrayList<>();
    for (Credentials sender : senders) {
      Address to = others.get(random.nextInt(others.size()));
      RawTransaction tx = RawTransaction.createEtherTransaction(BigInteger.ZERO, BigInteger.valueOf(1 + random.nextInt(1000)),
          BigInteger.valueOf(21_000), to.hex(), BigInteger.valueOf(1 + random.nextInt(1_000_000)));
      raw.add(TransactionEncoder.signMessage(tx, CHAIN, sender));
    }
    Batch batch = new Batch(1, BatchTransactions.encode(raw), 1_767_225_600L, others.get(0));
    System.out.printf("batch transactions: %,d bytes%n", batch.transactions().length);

    run("in-memory node store", new InMemoryNodeStore(), genesis, batch, raw);
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1;DATABASE_TO_UPPER=false");
    run("H2 (in-memory database) behind a 1,000,000-node LRU cache", new CachingNodeStore(new JdbcNodeStore(h2), 1_000_000),
        genesis, batch, raw);
    System.out.println("\n" + PhysicalLimits.nativeRecoveryLine(Duration.ofSeconds(6)));
  }

  private static void run(String storeName, NodeStore store, Genesis genesis, Batch batch, List<byte[]> raw) {
    System.out.println("\n== " + storeName);
    long t0 = System.nanoTime();
    Hash32 root = genesis.write(store);
    System.out.printf("genesis of %,d accounts written in %.1f s%n", ACCOUNTS, (System.nanoTime() - t0) / 1e9);
    Executor executor = new Executor(store, new ChainConfig(CHAIN));

    ExecutionResult check = executor.execute(root, batch);
    if (check.applied().size() != TRANSFERS) throw new IllegalStateException("expected every transfer applied: " + check.skipped());

    report("Executor.execute (recovery + state + trie + commit)", time(() -> executor.execute(root, batch)));
    report("sender recovery alone, parallel", time(() -> executor.recoverSenders(raw)));
    report("sender recovery alone, one thread", time(() -> raw.stream().map(r -> TransactionDecoder.decode(r, CHAIN)).toList()));

    List<Transaction> decoded = executor.recoverSenders(raw).stream()
        .map(d -> ((TransactionDecoder.Valid) d).transaction()).toList();
    Address coinbase = batch.coinbase();
    report("state + trie updates + commit alone (senders known)", time(() -> {
      WorldState state = WorldState.open(store, root);
      for (Transaction tx : decoded) {
        Account s = state.account(tx.sender());
        state.touch(tx.sender(), new Account(s.nonce() + 1, s.balance().subtract(tx.value()).subtract(tx.fee())));
        Account to = state.account(tx.to());
        state.touch(tx.to(), to.withBalance(to.balance().add(tx.value())));
        Account cb = state.account(coinbase);
        state.touch(coinbase, cb.withBalance(cb.balance().add(tx.fee())));
      }
      return state.commit();
    }));
  }

  /** Median seconds per batch over RUNS runs after WARMUP runs. */
  private static double time(Supplier<?> work) {
    for (int i = 0; i < WARMUP; i++) work.get();
    double[] seconds = new double[RUNS];
    for (int i = 0; i < RUNS; i++) {
      long t = System.nanoTime();
      work.get();
      seconds[i] = (System.nanoTime() - t) / 1e9;
    }
    Arrays.sort(seconds);
    return seconds[RUNS / 2];
  }

  private static void report(String what, double seconds) {
    System.out.printf("%-55s %8.1f ms/batch  %,10.0f transfers/s%n", what, seconds * 1e3, TRANSFERS / seconds);
  }
}
