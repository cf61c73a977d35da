package zkchain.l1;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
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
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * Signs and sends L1 transactions from one key and waits for their receipts. Blocking: callers in
 * actors run it on a dedicated dispatcher. One sender per key, because sends are serialized here
 * to keep nonces in order.
 *
 * <p>Every transaction is first estimated: a call the contract would refuse fails with
 * {@link L1Revert} carrying the revert reason, before anything is signed or paid for.
 */
public final class L1Sender {
  private static final String ERROR_STRING_SELECTOR = "0x08c379a0"; // Error(string)
  private static final String PANIC_SELECTOR = "0x4e487b71"; // Panic(uint256)
  private static final BigInteger FALLBACK_PRIORITY_FEE = BigInteger.valueOf(1_000_000_000L);

  private final Web3j web3j;
  private final Credentials credentials;
  private final long l1ChainId;
  private final RawTransactionManager transactionManager;
  private final PollingTransactionReceiptProcessor receipts;

  public L1Sender(Web3j web3j, Credentials credentials, long l1ChainId, Duration pollInterval, Duration timeout) {
    this.web3j = web3j;
    this.credentials = credentials;
    this.l1ChainId = l1ChainId;
    long sleepMillis = Math.max(1, pollInterval.toMillis());
    int attempts = (int) Math.max(1, timeout.toMillis() / sleepMillis);
    this.receipts = new PollingTransactionReceiptProcessor(web3j, sleepMillis, attempts);
    this.transactionManager = new RawTransactionManager(web3j, credentials, l1ChainId, receipts);
  }

  /** Polls receipts every 100 ms for up to 5 minutes: instant on anvil, patient on a real L1. */
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

  /** Calls {@code to} with {@code data}; {@code to == null} deploys {@code data} as init code. */
  public synchronized TransactionReceipt send(String call, String to, String data) {
    try {
      BigInteger gasLimit = estimateGas(call, to, data);
      EthBlock.Block latest = web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
      EthSendTransaction sent;
      String target = to == null ? "" : to;
      if (latest.getBaseFeePerGas() != null) {
        BigInteger priorityFee = priorityFee();
        // Twice the base fee stays valid through several full blocks of base-fee increases.
        BigInteger maxFee = latest.getBaseFeePerGas().shiftLeft(1).add(priorityFee);
        sent = transactionManager.sendEIP1559Transaction(l1ChainId, priorityFee, maxFee, gasLimit, target, data,
            BigInteger.ZERO);
      } else {
        BigInteger gasPrice = web3j.ethGasPrice().send().getGasPrice();
        sent = transactionManager.sendTransaction(gasPrice, gasLimit, target, data, BigInteger.ZERO);
      }
      if (sent.hasError()) {
        throw new IllegalStateException(call + ": L1 refused the transaction: " + sent.getError().getMessage());
      }
      TransactionReceipt receipt = waitForReceipt(call, sent.getTransactionHash());
      if (!receipt.isStatusOK()) {
        throw new L1Revert(call, replayRevertReason(to, data, receipt));
      }
      return receipt;
    } catch (IOException e) {
      throw new IllegalStateException(call + ": L1 request failed: " + e.getMessage(), e);
    }
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

  private TransactionReceipt waitForReceipt(String call, String txHash) throws IOException {
    try {
      return receipts.waitForTransactionReceipt(txHash);
    } catch (TransactionException e) {
      throw new IllegalStateException(call + ": no receipt for " + txHash + ": " + e.getMessage(), e);
    }
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
