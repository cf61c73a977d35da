package zkchain.devnet;

import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * Sends value transfers to a JSON-RPC endpoint the way a wallet does: eth_chainId once,
 * eth_getTransactionCount(pending) per sender, then signed eth_sendRawTransaction at a steady
 * rate, legacy and EIP-1559 in turn, to new and known addresses. A refused transaction resyncs
 * its sender's nonce from the endpoint. Runs on its own thread until closed.
 */
public final class LoadGenerator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoadGenerator.class);
  private static final BigInteger GAS = BigInteger.valueOf(21_000);
  private static final BigInteger GAS_PRICE = BigInteger.ONE;

  private final Web3j web3j;
  private final List<Credentials> senders;
  private final long chainId;
  private final long[] nonces;
  private final double perSecond;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final SecureRandom random = new SecureRandom();
  private final List<String> recipients = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  private LoadGenerator(String rpcUrl, List<String> senderKeys, double perSecond) throws IOException {
    this.web3j = Web3j.build(new HttpService(rpcUrl));
    this.senders = senderKeys.stream().map(Credentials::create).toList();
    this.chainId = web3j.ethChainId().send().getChainId().longValueExact();
    this.nonces = new long[senders.size()];
    for (int i = 0; i < senders.size(); i++) nonces[i] = pendingNonce(i);
    senders.forEach(c -> recipients.add(c.getAddress()));
    this.perSecond = perSecond;
    this.thread = new Thread(this::run, "load-generator");
    this.thread.setDaemon(true);
  }

  /** Starts sending {@code perSecond} transfers a second from the given keys. */
  public static LoadGenerator start(String rpcUrl, List<String> senderKeys, double perSecond) throws IOException {
    LoadGenerator g = new LoadGenerator(rpcUrl, senderKeys, perSecond);
    g.thread.start();
    return g;
  }

  /** Transfers the endpoint accepted. */
  public long sent() {
    return sent.get();
  }

  /** Transfers the endpoint refused (each one resynced its sender's nonce). */
  public long refused() {
    return refused.get();
  }

  private void run() {
    long intervalNanos = (long) (1e9 / perSecond);
    long next = System.nanoTime();
    int turn = 0;
    while (running) {
      try {
        sendOne(turn++ % senders.size());
      } catch (IOException e) {
        if (running) log.warn("load generator: JSON-RPC failed: {}", e.toString());
        sleep(TimeUnit.MILLISECONDS.toNanos(500));
      }
      next += intervalNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) sleep(wait);
      else next = System.nanoTime(); // behind: do not burst to catch up
    }
  }

  private void sendOne(int sender) throws IOException {
    String to = random.nextInt(4) == 0 || recipients.size() < 20
        ? newAddress()
        : recipients.get(random.nextInt(recipients.size()));
    BigInteger value = BigInteger.valueOf(1 + random.nextInt(1_000_000));
    BigInteger nonce = BigInteger.valueOf(nonces[sender]);
    byte[] signed = (nonces[sender] % 2 == 0)
        ? TransactionEncoder.signMessage(RawTransaction.createEtherTransaction(nonce, GAS_PRICE, GAS, to, value),
            chainId, senders.get(sender))
        : TransactionEncoder.signMessage(RawTransaction.createEtherTransaction(chainId, nonce, GAS, to, value,
            BigInteger.ONE, BigInteger.TWO), senders.get(sender));
    EthSendTransaction reply = web3j.ethSendRawTransaction(Numeric.toHexString(signed)).send();
    if (reply.hasError()) {
      refused.incrementAndGet();
      nonces[sender] = pendingNonce(sender);
    } else {
      sent.incrementAndGet();
      nonces[sender]++;
    }
  }

  private String newAddress() {
    byte[] address = new byte[20];
    random.nextBytes(address);
    String hex = Numeric.toHexString(address);
    if (recipients.size() < 10_000) recipients.add(hex);
    return Keys.toChecksumAddress(hex);
  }

  private long pendingNonce(int sender) throws IOException {
    return web3j.ethGetTransactionCount(senders.get(sender).getAddress(), DefaultBlockParameterName.PENDING)
        .send().getTransactionCount().longValueExact();
  }

  private static void sleep(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public synchronized void close() {
    if (!running) return;
    // not interrupted: a send in flight completes and is counted (an interrupt would cancel its
    // answer, not the transfer); the loop ends within one interval
    running = false;
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    web3j.shutdown();
  }
}
