package zkchain.l1;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Binding of the L1 rollup contract ZkChainRollup (contracts/ZkChainRollup.sol, PROTOCOL.md §5).
 * Blocking calls: run them on a dedicated dispatcher, never inside an actor.
 *
 * <p>Views read the block this binding is pinned to ({@link #atBlock}), "latest" by default.
 * Transactions need a binding made with an {@link L1Sender} and fail with {@link L1Revert} when
 * the contract refuses them. Hashes and addresses are lowercase 0x-hex strings.
 */
public final class ZkChainRollup {
  public static final String CONTRACT_NAME = "ZkChainRollup";
  /** The contract's limit on one batch's transactions bytes (PROTOCOL.md §4). */
  public static final int MAX_TRANSACTIONS_BYTE_LENGTH = 120_000;

  /** The stored data of a sequence's last batch; all zero for a batch that ends no sequence. */
  public record SequencedBatchData(String accInputHash, long sequencedTimestamp, long previousLastBatchSequenced) {}

  private final Web3j web3j;
  private final String address;
  private final Optional<L1Sender> sender;
  private final DefaultBlockParameter block;

  private ZkChainRollup(Web3j web3j, String address, Optional<L1Sender> sender, DefaultBlockParameter block) {
    this.web3j = web3j;
    this.address = address.toLowerCase();
    this.sender = sender;
    this.block = block;
  }

  /** Read-only binding: views, logs and calldata. */
  public static ZkChainRollup at(Web3j web3j, String address) {
    return new ZkChainRollup(web3j, address, Optional.empty(), DefaultBlockParameterName.LATEST);
  }

  /** Binding that also sends transactions from {@code sender}'s key. */
  public static ZkChainRollup at(L1Sender sender, String address) {
    return new ZkChainRollup(sender.web3j(), address, Optional.of(sender), DefaultBlockParameterName.LATEST);
  }

  /** The same binding with its views reading L1 state as of {@code blockNumber}. */
  public ZkChainRollup atBlock(long blockNumber) {
    return new ZkChainRollup(web3j, address, sender, DefaultBlockParameter.valueOf(BigInteger.valueOf(blockNumber)));
  }

  /** Deploys ZkChainRollup; batchNumToStateRoot(0) becomes {@code genesisRoot}. */
  public static Deployed<ZkChainRollup> deploy(L1Sender from, String admin, String trustedSequencer,
      String trustedAggregator, String verifier, long chainId, String genesisRoot) {
    TransactionReceipt receipt = ContractCalls.deploy(from, ContractArtifact.load(CONTRACT_NAME), List.of(
        new Address(admin), new Address(trustedSequencer), new Address(trustedAggregator), new Address(verifier),
        uint64(chainId), bytes32(genesisRoot)));
    return Deployed.of(at(from, receipt.getContractAddress()), receipt);
  }

  public String address() {
    return address;
  }

  // ---- transactions ----

  /** Sequences {@code batches} as lastBatchSequenced+1, …; trusted sequencer only. */
  public RollupEvent.SequenceBatches sequenceBatches(List<BatchData> batches, String l2Coinbase) {
    String data = Numeric.toHexString(SequenceBatchesCalldata.encode(batches, l2Coinbase));
    return only(RollupEvent.SequenceBatches.class, send("sequenceBatches", data));
  }

  /** Consolidates (initNumBatch, finalNewBatch] with {@code newStateRoot}; trusted aggregator only. */
  public RollupEvent.VerifyBatchesTrustedAggregator verifyBatchesTrustedAggregator(long initNumBatch,
      long finalNewBatch, String newStateRoot, byte[] proof) {
    String data = FunctionEncoder.encode(new Function("verifyBatchesTrustedAggregator",
        List.of(uint64(initNumBatch), uint64(finalNewBatch), bytes32(newStateRoot), new DynamicBytes(proof)),
        List.of()));
    return only(RollupEvent.VerifyBatchesTrustedAggregator.class, send("verifyBatchesTrustedAggregator", data));
  }

  /** Replaces the trusted sequencer; admin only. */
  public RollupEvent.SetTrustedSequencer setTrustedSequencer(String newTrustedSequencer) {
    String data = FunctionEncoder.encode(new Function("setTrustedSequencer",
        List.of(new Address(newTrustedSequencer)), List.of()));
    return only(RollupEvent.SetTrustedSequencer.class, send("setTrustedSequencer", data));
  }

  // ---- views ----

  public String trustedSequencer() {
    return addressView("trustedSequencer");
  }

  public String trustedAggregator() {
    return addressView("trustedAggregator");
  }

  public String admin() {
    return addressView("admin");
  }

  public String verifier() {
    return addressView("verifier");
  }

  /** The L2 chain id. */
  public long chainID() {
    return uint64View("chainID");
  }

  public long lastBatchSequenced() {
    return uint64View("lastBatchSequenced");
  }

  public long lastVerifiedBatch() {
    return uint64View("lastVerifiedBatch");
  }

  public long lastTimestamp() {
    return uint64View("lastTimestamp");
  }

  public SequencedBatchData sequencedBatches(long numBatch) {
    List<Type> out = view("sequencedBatches", List.of(uint64(numBatch)),
        List.of(new TypeReference<Bytes32>() {}, new TypeReference<Uint64>() {}, new TypeReference<Uint64>() {}));
    return new SequencedBatchData(hex((Bytes32) out.get(0)), ((Uint64) out.get(1)).getValue().longValue(),
        ((Uint64) out.get(2)).getValue().longValue());
  }

  /** The verified state root of {@code numBatch}; zero bytes if it was never a verified batch. */
  public String batchNumToStateRoot(long numBatch) {
    List<Type> out = view("batchNumToStateRoot", List.of(uint64(numBatch)), List.of(new TypeReference<Bytes32>() {}));
    return hex((Bytes32) out.get(0));
  }

  // ---- logs and calldata ----

  /** The contract's events in L1 blocks [fromBlock, toBlock], in chain order. */
  public List<RollupEvent> events(long fromBlock, long toBlock) {
    EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(fromBlock)),
        DefaultBlockParameter.valueOf(BigInteger.valueOf(toBlock)), address);
    filter.addOptionalTopics(RollupEvent.TOPICS.toArray(String[]::new));
    try {
      EthLog result = web3j.ethGetLogs(filter).send();
      if (result.hasError()) {
        throw new IllegalStateException("eth_getLogs " + fromBlock + ".." + toBlock + " for " + address
            + " failed: " + result.getError().getMessage());
      }
      List<RollupEvent> events = new ArrayList<>();
      for (EthLog.LogResult<?> r : result.getLogs()) {
        Log log = (Log) r.get();
        if (!address.equalsIgnoreCase(log.getAddress())) continue;
        RollupEvent.decode(log).ifPresent(events::add);
      }
      events.sort(Comparator.comparingLong((RollupEvent e) -> e.log().blockNumber())
          .thenComparingLong(e -> e.log().logIndex()));
      return events;
    } catch (IOException e) {
      throw new IllegalStateException("eth_getLogs " + fromBlock + ".." + toBlock + ": " + e.getMessage(), e);
    }
  }

  /**
   * The batch data of a SequenceBatches event, from the calldata of the L1 transaction
   * {@code l1TxHash}. {@link SequenceBatchesCalldata.Invalid} when that transaction is not a direct
   * sequenceBatches call to this contract.
   */
  public SequenceBatchesCalldata.Decoded sequencedCalldata(String l1TxHash) {
    try {
      var tx = web3j.ethGetTransactionByHash(l1TxHash).send().getTransaction()
          .orElseThrow(() -> new IllegalStateException("L1 transaction " + l1TxHash + " not found"));
      if (tx.getTo() == null || !address.equalsIgnoreCase(tx.getTo())) {
        return new SequenceBatchesCalldata.Invalid("L1 transaction " + l1TxHash + " calls " + tx.getTo()
            + ", not the rollup " + address);
      }
      return SequenceBatchesCalldata.decode(Numeric.hexStringToByteArray(tx.getInput()));
    } catch (IOException e) {
      throw new IllegalStateException("eth_getTransactionByHash " + l1TxHash + ": " + e.getMessage(), e);
    }
  }

  // ---- plumbing ----

  private TransactionReceipt send(String call, String data) {
    L1Sender from = sender.orElseThrow(() ->
        new IllegalStateException(call + ": this ZkChainRollup binding is read-only (made without an L1Sender)"));
    return from.send(call, address, data);
  }

  /** The one event of {@code type} the transaction emitted: what the caller's state now depends on. */
  private <E extends RollupEvent> E only(Class<E> type, TransactionReceipt receipt) {
    return receipt.getLogs().stream()
        .filter(l -> address.equalsIgnoreCase(l.getAddress()))
        .map(RollupEvent::decode).flatMap(Optional::stream)
        .filter(type::isInstance).map(type::cast)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("transaction " + receipt.getTransactionHash()
            + " succeeded without a " + type.getSimpleName() + " event"));
  }

  private List<Type> view(String name, List<Type> inputs, List<TypeReference<?>> outputs) {
    return ContractCalls.view(web3j, address, block, name, inputs, outputs);
  }

  private String addressView(String name) {
    return ((Address) view(name, List.of(), List.of(new TypeReference<Address>() {})).get(0)).getValue().toLowerCase();
  }

  private long uint64View(String name) {
    return ((Uint64) view(name, List.of(), List.of(new TypeReference<Uint64>() {})).get(0)).getValue().longValue();
  }

  static Uint64 uint64(long unsigned) {
    return new Uint64(new BigInteger(Long.toUnsignedString(unsigned)));
  }

  static Bytes32 bytes32(String hex) {
    byte[] b = Numeric.hexStringToByteArray(hex);
    if (b.length != 32) throw new IllegalArgumentException("expected 32 bytes, got " + b.length + ": " + hex);
    return new Bytes32(b);
  }

  private static String hex(Bytes32 b) {
    return Numeric.toHexString(b.getValue());
  }
}
