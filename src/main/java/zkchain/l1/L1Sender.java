package zkchain.l1;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionDecoder;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.crypto.transaction.type.Transaction1559;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthMaxPriorityFeePerGas;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Signs and sends L1 transactions from one key and waits for their receipts. Blocking: callers in
 * actors run it on a dedicated dispatcher. One sender per key, because sends are serialized here
 * to keep nonces in order.
 *
 * <p>Every transaction is first estimated: a call the contract would refuse fails with
 * {@link L1Revert} carrying the revert reason, before anything is signed or paid for.
 *
 * <p>The steps of {@link #send} are public for a caller that must record a transaction between
 * signing and broadcasting it (the sequencer): {@link #sign}, {@link #broadcast},
 * {@link #inclusion} and {@link #replace}.
 */
public final class L1Sender {
  private static final String ERROR_STRING_SELECTOR = "0x08c379a0"; // Error(string)
  private static final String PANIC_SELECTOR = "0x4e487b71"; // Panic(uint256)
  private static final BigInteger FALLBACK_PRIORITY_FEE = BigInteger.valueOf(1_000_000_000L);

  private final Web3j web3j;
  private final Credentials credentials;
  private final long l1ChainId;
  private final Duration pollInterval;
  private final Duration timeout;

  /** A transaction signed here, as L1 gets it: recorded before it is broadcast, broadcast again as it is. */
  public record SignedTransaction(String hash, long nonce, byte[] raw) {
    public SignedTransaction {
      raw = raw.clone();
    }

    @Override
    public byte[] raw() {
      return raw.clone();
    }

    // Records compare arrays by identity; a transaction is its bytes.
    @Override
    public boolean equals(Object o) {
      return o instanceof SignedTransaction t && nonce == t.nonce && hash.equals(t.hash) && Arrays.equals(raw, t.raw);
    }

    @Override
    public int hashCode() {
      return hash.hashCode();
    }

    @Override
    public String toString() {
      return "SignedTransaction[" + hash + ", nonce " + nonce + ", " + raw.length + " bytes]";
    }
  }

  /** Where a signed transaction stands on L1, from its receipt, the node's pool and the account's nonce. */
  public sealed interface Inclusion {
    /** In a block of the chain the node follows. */
    record Mined(TransactionReceipt receipt) implements Inclusion {}

    /** Known to the node, in no block yet. */
    record Pending() implements Inclusion {}

    /** Unknown to the node while the account's nonce has not passed it: dropped (or never arrived). */
    record Dropped() implements Inclusion {}

    /** Unknown to the node, and another transaction of the account was mined with its nonce. */
    record Superseded(long accountNonce) implements Inclusion {}
  }

  public L1Sender(Web3j web3j, Credentials credentials, long l1ChainId, Duration pollInterval, Duration timeout) {
    this.web3j = web3j;
    this.credentials = credentials;
    this.l1ChainId = l1ChainId;
    this.pollInterval = Duration.ofMillis(Math.max(1, pollInterval.toMillis()));
    this.timeout = timeout;
  }

  /** Polls every 100 ms for up to 5 minutes: instant on anvil, patient on a real L1; a drop ends the wait at once. */
  public static L1Sender of(Web3j web3j, Credentials credentials) {
    return new L1Sender(web3j, credentials, chainId(web3j), Duration.ofMillis(100), Duration.ofMinutes(5));
  }

  public String address() {
    return credentials.getAddress();
  }

  public long l1ChainId() {
    return l1ChainId;
  }

  public Web3j web3j() {
    return web3j;
  }

  /**
   * Calls {@code to} with {@code data}; {@code to == null} deploys {@code data} as init code. Signs
   * with the account's pending nonce, waits for the receipt, and broadcasts again if L1 drops it.
   */
  public synchronized TransactionReceipt send(String call, String to, String data) {
    SignedTransaction tx = sign(call, to, data, nonce(DefaultBlockParameterName.PENDING));
    broadcast(tx).ifPresent(refusal -> {
      throw new IllegalStateException(call + ": L1 refused the transaction: " + refusal);
    });
    TransactionReceipt receipt = awaitReceipt(call, tx);
    if (!receipt.isStatusOK()) throw new L1Revert(call, revertReasonOf(tx, receipt));
    return receipt;
  }

  /**
   * Estimates and signs a call of {@code to} (null: a deployment) with {@code data} at
   * {@code nonce}, with the fees L1 asks now. Broadcasts nothing.
   *
   * @throws L1Revert when the contract would refuse the call
   */
  public SignedTransaction sign(String call, String to, String data, long nonce) {
    try {
      BigInteger gasLimit = estimateGas(call, to, data);
      String target = to == null ? "" : to;
      BigInteger baseFee = baseFee();
      RawTransaction tx;
      if (baseFee != null) {
        BigInteger priorityFee = priorityFee();
        // Twice the base fee stays valid through several full blocks of base-fee increases.
        tx = RawTransaction.createTransaction(l1ChainId, BigInteger.valueOf(nonce), gasLimit, target, BigInteger.ZERO,
            data, priorityFee, baseFee.shiftLeft(1).add(priorityFee));
      } else {
        tx = RawTransaction.createTransaction(BigInteger.valueOf(nonce), gasPrice(), gasLimit, target, BigInteger.ZERO,
            data);
      }
      return signed(tx);
    } catch (IOException e) {
      throw new IllegalStateException(call + ": L1 request failed: " + e.getMessage(), e);
    }
  }

  /**
   * The same call at the same nonce with fees at least 12.5% higher (nodes take a replacement at
   * 10% more) and at least what L1 asks now: whichever of the two is mined, the other cannot be.
   * Never more than four times what L1 asks now: a refusal that is not about the fee must not
   * raise it without end.
   */
  public SignedTransaction replace(SignedTransaction previous) {
    try {
      RawTransaction old = TransactionDecoder.decode(Numeric.toHexString(previous.raw()));
      BigInteger baseFee = baseFee();
      RawTransaction tx;
      if (old.getTransaction() instanceof Transaction1559 t && baseFee != null) {
        BigInteger priorityFee = bounded(t.getMaxPriorityFeePerGas(), priorityFee());
        BigInteger maxFee = bounded(t.getMaxFeePerGas(), baseFee.shiftLeft(1).add(priorityFee)).max(priorityFee);
        tx = RawTransaction.createTransaction(l1ChainId, old.getNonce(), old.getGasLimit(), old.getTo(),
            old.getValue(), old.getData(), priorityFee, maxFee);
      } else {
        tx = RawTransaction.createTransaction(old.getNonce(), bounded(old.getGasPrice(), gasPrice()),
            old.getGasLimit(), old.getTo(), old.getValue(), old.getData());
      }
      return signed(tx);
    } catch (IOException e) {
      throw new IllegalStateException("replacing " + previous.hash() + ": L1 request failed: " + e.getMessage(), e);
    }
  }

  /** eth_sendRawTransaction: empty when L1 took the transaction (or has it already), else L1's refusal. */
  public Optional<String> broadcast(SignedTransaction tx) {
    try {
      EthSendTransaction sent = web3j.ethSendRawTransaction(Numeric.toHexString(tx.raw())).send();
      if (!sent.hasError()) return Optional.empty();
      // a node that has the very same transaction refuses it again; that is not a refusal of it
      Inclusion now = inclusion(tx);
      if (now instanceof Inclusion.Pending || now instanceof Inclusion.Mined) return Optional.empty();
      return Optional.of(sent.getError().getMessage());
    } catch (IOException e) {
      throw new IllegalStateException("broadcasting " + tx.hash() + ": L1 request failed: " + e.getMessage(), e);
    }
  }

  /**
   * Where {@code tx} stands: its receipt, else whether the node's pool has it, else whether the
   * account's nonce at {@code latest} has passed it (the receipt is asked again then, so a
   * transaction mined between the questions is not taken for superseded).
   */
  public Inclusion inclusion(SignedTransaction tx) {
    try {
      Optional<TransactionReceipt> receipt = receipt(tx.hash());
      if (receipt.isPresent()) return new Inclusion.Mined(receipt.get());
      if (web3j.ethGetTransactionByHash(tx.hash()).send().getTransaction().isPresent()) return new Inclusion.Pending();
      long accountNonce = nonce(DefaultBlockParameterName.LATEST);
      if (accountNonce <= tx.nonce()) return new Inclusion.Dropped();
      receipt = receipt(tx.hash());
      return receipt.<Inclusion>map(Inclusion.Mined::new).orElseGet(() -> new Inclusion.Superseded(accountNonce));
    } catch (IOException e) {
      throw new IllegalStateException("looking up " + tx.hash() + " on L1: " + e.getMessage(), e);
    }
  }

  /** The account's transaction count at {@code block}: the nonce of its next transaction to be mined there. */
  public long nonce(DefaultBlockParameter block) {
    try {
      return web3j.ethGetTransactionCount(address(), block).send().getTransactionCount().longValueExact();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the nonce of " + address() + ": " + e.getMessage(), e);
    }
  }

  /** L1's latest block number. */
  public long blockNumber() {
    try {
      return web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read L1's block number: " + e.getMessage(), e);
    }
  }

  /** Why a mined transaction failed: it is run again at its block. */
  public String revertReasonOf(SignedTransaction tx, TransactionReceipt receipt) {
    RawTransaction decoded = TransactionDecoder.decode(Numeric.toHexString(tx.raw()));
    String to = decoded.getTo() == null || decoded.getTo().isEmpty() || decoded.getTo().equals("0x") ? null
        : decoded.getTo();
    return replayRevertReason(to, decoded.getData(), receipt);
  }

  /** A short poll loop: every round asks for the receipt and notices a drop, which it broadcasts again. */
  private TransactionReceipt awaitReceipt(String call, SignedTransaction tx) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Inclusion inclusion = inclusion(tx);
      if (inclusion instanceof Inclusion.Mined mined) return mined.receipt();
      if (inclusion instanceof Inclusion.Superseded s) {
        throw new IllegalStateException(call + ": " + tx.hash() + " was not mined; another transaction took its nonce "
            + tx.nonce());
      }
      if (inclusion instanceof Inclusion.Dropped) {
        broadcast(tx).ifPresent(refusal -> {
          throw new IllegalStateException(call + ": L1 dropped " + tx.hash() + " and refuses it again: " + refusal);
        });
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(call + ": no receipt for " + tx.hash() + " within " + timeout);
      }
      try {
        Thread.sleep(pollInterval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(call + ": interrupted while waiting for " + tx.hash(), e);
      }
    }
  }

  private Optional<TransactionReceipt> receipt(String hash) throws IOException {
    return web3j.ethGetTransactionReceipt(hash).send().getTransactionReceipt();
  }

  private SignedTransaction signed(RawTransaction tx) {
    byte[] raw = tx.getTransaction() instanceof Transaction1559
        ? TransactionEncoder.signMessage(tx, credentials)
        : TransactionEncoder.signMessage(tx, l1ChainId, credentials);
    return new SignedTransaction(Numeric.toHexString(Hash.sha3(raw)), tx.getNonce().longValueExact(), raw);
  }

  /** The previous fee raised by 12.5%, at least the market's, at most four times the market's. */
  private static BigInteger bounded(BigInteger previous, BigInteger market) {
    BigInteger raised = previous.add(previous.shiftRight(3)).add(BigInteger.ONE);
    return raised.max(market).min(market.shiftLeft(2).max(BigInteger.ONE));
  }

  private BigInteger estimateGas(String call, String to, String data) throws IOException {
    EthEstimateGas estimate =
        web3j.ethEstimateGas(Transaction.createEthCallTransaction(address(), to, data)).send();
    if (estimate.hasError()) {
      throw new L1Revert(call, revertReason(estimate.getError(), null));
    }
    // 25% headroom: the estimate is exact for the state it ran against, not for the next block's.
    return estimate.getAmountUsed().multiply(BigInteger.valueOf(5)).divide(BigInteger.valueOf(4));
  }

  /** The latest block's base fee; null on an L1 without EIP-1559. */
  private BigInteger baseFee() throws IOException {
    EthBlock.Block latest = web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
    return latest.getBaseFeePerGas();
  }

  private BigInteger gasPrice() throws IOException {
    return web3j.ethGasPrice().send().getGasPrice();
  }

  private BigInteger priorityFee() {
    try {
      EthMaxPriorityFeePerGas fee = web3j.ethMaxPriorityFeePerGas().send();
      return fee.hasError() ? FALLBACK_PRIORITY_FEE : fee.getMaxPriorityFeePerGas();
    } catch (IOException e) {
      return FALLBACK_PRIORITY_FEE;
    }
  }

  /** A mined transaction that failed: re-run it at its block to learn why. */
  private String replayRevertReason(String to, String data, TransactionReceipt receipt) {
    try {
      EthCall replay = web3j.ethCall(Transaction.createEthCallTransaction(address(), to, data),
          DefaultBlockParameter.valueOf(receipt.getBlockNumber())).send();
      String reason = revertReason(replay.getError(), replay.getRevertReason());
      return reason + " (transaction " + receipt.getTransactionHash() + ")";
    } catch (IOException e) {
      return "unknown reason (transaction " + receipt.getTransactionHash() + ")";
    }
  }

  /** The reason from the revert data when the node returns it, else from the node's error message. */
  static String revertReason(Response.Error error, String fallback) {
    String data = error == null ? null : error.getData();
    if (data != null) {
      // web3j hands over a JSON string value as-is, quotes included when the node nested it.
      String unquoted = data.replace("\"", "").trim();
      String fromData = decodeRevertData(unquoted);
      if (fromData != null) return fromData;
    }
    String message = error != null ? error.getMessage() : fallback;
    if (message == null) return "no reason given";
    String prefix = "execution reverted: ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  /** Decodes Error(string) and Panic(uint256) revert data; null for anything else. */
  static String decodeRevertData(String hex) {
    try {
      if (hex.startsWith(ERROR_STRING_SELECTOR)) {
        List<Type> decoded = FunctionReturnDecoder.decode(hex.substring(ERROR_STRING_SELECTOR.length()),
            List.of((TypeReference) new TypeReference<Utf8String>() {}));
        if (!decoded.isEmpty()) return ((Utf8String) decoded.get(0)).getValue();
      } else if (hex.startsWith(PANIC_SELECTOR)) {
        List<Type> decoded = FunctionReturnDecoder.decode(hex.substring(PANIC_SELECTOR.length()),
            List.of((TypeReference) new TypeReference<Uint256>() {}));
        if (!decoded.isEmpty()) return "panic 0x" + ((Uint256) decoded.get(0)).getValue().toString(16);
      }
    } catch (RuntimeException e) {
      // not well-formed revert data: fall back to the node's message
    }
    return null;
  }

  static long chainId(Web3j web3j) {
    try {
      return web3j.ethChainId().send().getChainId().longValueExact();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the L1 chain id: " + e.getMessage(), e);
    }
  }
}
