package zkchain.sequencer;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;

/**
 * Wallets sending transfers to the sequencer's JSON-RPC from threads of their own, at a steady
 * rate, recording every transaction hash the sequencer answered with. A send that fails (the
 * sequencer is down, or refused the nonce) makes its wallet ask the sequencer's pending nonce again
 * before the next one, as a wallet does; the load goes on through restarts.
 */
final class TransferLoad implements AutoCloseable {
  private static final L2Wallet WALLET = new L2Wallet(SequencerFixture.GENESIS.chainId());
  /** Dev keys 4–9: no L1 role, not the coinbase. */
  static final List<Credentials> WALLETS =
      DevKeys.PRIVATE_KEYS.subList(4, 10).stream().map(Credentials::create).toList();

  private final Web3j l2;
  private final List<Thread> threads = new ArrayList<>();
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  private final AtomicLong failed = new AtomicLong();
  private volatile boolean running = true;

  /** {@code perSecond} transfers a second from {@link #WALLETS}, two wallets to each of three threads. */
  TransferLoad(String rpcUrl, double perSecond) {
    this.l2 = Web3j.build(new HttpService(rpcUrl));
    for (int t = 0; t < 3; t++) {
      List<Credentials> own = List.of(WALLETS.get(2 * t), WALLETS.get(2 * t + 1));
      long intervalNanos = (long) (3e9 / perSecond);
      Thread thread = new Thread(() -> send(own, intervalNanos), "transfer-load-" + t);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  /** Hashes the sequencer answered eth_sendRawTransaction with. */
  Set<String> acknowledged() {
    return Set.copyOf(acknowledged);
  }

  int acknowledgedCount() {
    return acknowledged.size();
  }

  /** Sends that got no hash: the sequencer was down, or refused the transaction. */
  long failed() {
    return failed.get();
  }

  private void send(List<Credentials> wallets, long intervalNanos) {
    long[] nonces = {-1, -1};
    long next = System.nanoTime();
    for (long i = 0; running; i++) {
      int w = (int) (i % wallets.size());
      Credentials from = wallets.get(w);
      try {
        if (nonces[w] < 0) {
          nonces[w] = l2.ethGetTransactionCount(from.getAddress(), DefaultBlockParameterName.PENDING).send()
              .getTransactionCount().longValueExact();
        }
        String raw = WALLET.legacy(from, nonces[w], L2Wallet.recipient(i % 500), BigInteger.valueOf(1_000 + i));
        EthSendTransaction reply = l2.ethSendRawTransaction(raw).send();
        if (reply.hasError()) {
          failed.incrementAndGet();
          nonces[w] = -1;
        } else {
          acknowledged.add(reply.getTransactionHash());
          nonces[w]++;
        }
      } catch (IOException | RuntimeException e) {
        // the sequencer is down (or went down mid-request): ask for the nonce again once it is back
        failed.incrementAndGet();
        nonces[w] = -1;
        sleep(100);
      }
      next += intervalNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) sleep(wait / 1_000_000);
      else next = System.nanoTime();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread t : threads) t.join(30_000);
    l2.shutdown();
  }
}
