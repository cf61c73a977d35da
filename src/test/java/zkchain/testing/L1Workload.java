package zkchain.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;
import zkchain.aggregator.AttestationProof;
import zkchain.devnet.Anvil;
import zkchain.execution.Account;
import zkchain.execution.ExecutionResult;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.l1.BatchData;
import zkchain.l1.Deployer;
import zkchain.l1.L1Deployment;
import zkchain.l1.L1Sender;
import zkchain.l1.RollupEvent;
import zkchain.l1.SequenceBatchesCalldata;
import zkchain.l1.ZkChainRollup;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Hash32;

/**
 * Plays the trusted sequencer and the trusted aggregator against a real anvil, so a node's L1
 * sync can be tested and benchmarked. Batches carry real signed L2 transfers from the ten dev keys
 * (the genesis accounts of conf/genesis.json), are executed here to know every state root and
 * accInputHash, then sequenced and verified on L1 with the dev roles (PROTOCOL.md §4, §5).
 *
 * <p>Blocking and single-threaded, like a test. After an {@link #reorg} the fixture forgets the
 * batches L1 no longer has, so it can sequence again from there.
 */
public final class L1Workload implements AutoCloseable {
  public static final Path GENESIS_FILE = Path.of("conf/genesis.json");
  /** Not an RLP list: a batch carrying these bytes executes as all skipped (malformed). */
  private static final byte[] GARBAGE = Numeric.hexStringToByteArray("0xdeadbeef");
  private static final Duration POLL = Duration.ofMillis(20);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final BigInteger GAS = BigInteger.valueOf(21_000);
  private static final BigInteger GWEI = BigInteger.valueOf(1_000_000_000L);
  /** New recipients are drawn from this many derived addresses, so later transfers reach existing ones. */
  private static final int NEW_RECIPIENTS = 1_000;

  /** What the fixture knows of batch n; n = 0 is the genesis (no batch, no execution). */
  private record Step(Batch batch, ExecutionResult execution, Hash32 root, Hash32 accInputHash, long[] nonces) {
    long timestamp() {
      return batch == null ? 0 : batch.timestamp();
    }
  }

  private final HttpService http;
  private final Web3j web3j;
  private final L1Deployment deployment;
  private final ZkChainRollup sequencer;
  private final ZkChainRollup aggregator;
  private final ZkChainRollup view;
  private final String aggregatorAddress;
  private final ECKeyPair proverKey = Credentials.create(DevKeys.key(DevKeys.PROVER)).getEcKeyPair();
  private final long l1ChainId;
  private final long l2ChainId;
  private final Executor executor;
  private final List<Credentials> l2Keys = DevKeys.PRIVATE_KEYS.stream().map(Credentials::create).toList();
  private final Address coinbase = Address.of(Credentials.create(DevKeys.key(DevKeys.SEQUENCER)).getAddress());

  private final List<Step> steps = new ArrayList<>();
  /** Last batch of every sequencing call, and 0. */
  private final NavigableSet<Long> sequenceBoundaries = new TreeSet<>(List.of(0L));
  /** The roots L1 holds: batchNumToStateRoot, which a wrong verification makes differ from {@link #root}. */
  private final NavigableMap<Long, Hash32> verifiedRoots = new TreeMap<>();
  private long lastVerifiedBatch;
  private int transfersPerBatch = 5;
  private long transfers;

  private L1Workload(HttpService http, Genesis genesis) {
    this.http = http;
    this.web3j = Web3j.build(http);
    this.l1ChainId = l1ChainId(web3j);
    InMemoryNodeStore store = new InMemoryNodeStore();
    Hash32 genesisRoot = genesis.write(store);
    this.l2ChainId = genesis.chainId();
    this.executor = new Executor(store, genesis.chainConfig());
    this.deployment = Deployer.deploy(sender(DevKeys.L1_ADMIN), Deployer.Roles.dev(), l2ChainId, genesisRoot.hex());
    L1Sender aggregatorSender = sender(DevKeys.AGGREGATOR);
    this.aggregatorAddress = aggregatorSender.address();
    this.sequencer = ZkChainRollup.at(sender(DevKeys.SEQUENCER), deployment.rollup());
    this.aggregator = ZkChainRollup.at(aggregatorSender, deployment.rollup());
    this.view = ZkChainRollup.at(web3j, deployment.rollup());
    long[] nonces = l2Keys.stream().mapToLong(k -> genesisAccount(genesis, k).nonce()).toArray();
    steps.add(new Step(null, null, genesisRoot, AccInputHash.GENESIS, nonces));
    verifiedRoots.put(0L, genesisRoot);
  }

  /** anvil for fast tests: automine (a block per transaction, no --block-time), no request size limit. */
  public static Anvil startL1() {
    return Anvil.start("--no-request-size-limit");
  }

  /** Deploys a fresh rollup on {@code anvil} for the chain of conf/genesis.json. */
  public static L1Workload deploy(Anvil anvil) {
    return deploy(anvil.url(), Genesis.load(GENESIS_FILE));
  }

  /** Deploys a fresh rollup on the L1 at {@code l1Url}; the genesis must fund the ten dev keys. */
  public static L1Workload deploy(String l1Url, Genesis genesis) {
    return new L1Workload(new HttpService(l1Url), genesis);
  }

  /** How many transfers each generated batch carries (5 by default; 0 makes empty batches). */
  public L1Workload transfersPerBatch(int count) {
    if (count < 0) throw new IllegalArgumentException("transfers per batch must be ≥ 0, got " + count);
    this.transfersPerBatch = count;
    return this;
  }

  public L1Deployment deployment() {
    return deployment;
  }

  /** A read-only binding of the rollup, for the contract's own views. */
  public ZkChainRollup rollup() {
    return view;
  }

  public Web3j web3j() {
    return web3j;
  }

  /** The l2Coinbase of every sequencing call: the sequencer's address, a genesis account. */
  public Address coinbase() {
    return coinbase;
  }

  // ---- the trusted sequencer ----

  /**
   * Sequences {@code calls} calls of {@code batchesPerCall} new batches each, every batch carrying
   * {@link #transfersPerBatch} transfers that all apply. Returns one SequenceBatches event per call.
   */
  public List<RollupEvent.SequenceBatches> sequence(int batchesPerCall, int calls) {
    if (batchesPerCall < 1) throw new IllegalArgumentException("a sequencing call needs ≥ 1 batch");
    List<RollupEvent.SequenceBatches> events = new ArrayList<>(calls);
    for (int c = 0; c < calls; c++) {
      events.add(sequenceOnL1(nextCall(batchesPerCall, latestBlock().getTimestamp().longValueExact())));
    }
    return events;
  }

  /**
   * Replaces L1's latest block with one that sequences {@code batchesPerCall} new batches: an L1
   * reorg of depth 1 that gives a block the node may have read empty a SequenceBatches event.
   * anvil signs the call as the trusted sequencer (one of its own dev accounts).
   */
  public void sequenceByReplacingLatestBlock(int batchesPerCall) {
    long parentTimestamp;
    try {
      BigInteger latest = latestBlock().getNumber();
      parentTimestamp = web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(latest.subtract(BigInteger.ONE)), false)
          .send().getBlock().getTimestamp().longValueExact();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read L1's blocks: " + e.getMessage(), e);
    }
    List<Step> call = nextCall(batchesPerCall, parentTimestamp);
    byte[] calldata = SequenceBatchesCalldata.encode(
        call.stream().map(s -> new BatchData(s.batch().transactions(), s.batch().timestamp())).toList(), coinbase.hex());
    Map<String, String> tx = Map.of("from", coinbase.hex(), "to", deployment.rollup(),
        "data", Numeric.toHexString(calldata), "gas", "0x1000000");
    rpc("anvil_reorg", List.of(1, List.of(List.of(tx, 0))));
    long last = call.get(call.size() - 1).batch().number();
    if (view.lastBatchSequenced() != last) {
      throw new IllegalStateException("after the reorg L1 has sequenced up to " + view.lastBatchSequenced()
          + ", expected " + last);
    }
    steps.addAll(call);
    sequenceBoundaries.add(last);
  }

  /** The next call's batches, executed here, with timestamps not above {@code latestTimestamp}. */
  private List<Step> nextCall(int batchesPerCall, long latestTimestamp) {
    List<Step> call = new ArrayList<>(batchesPerCall);
    Step parent = tip();
    for (int i = 0; i < batchesPerCall; i++) {
      // Non-decreasing, never above the L1 block that will carry them (it is at least `latest`).
      long timestamp = Math.max(parent.timestamp(), latestTimestamp - batchesPerCall + 1 + i);
      long[] nonces = parent.nonces().clone();
      byte[] transactions = BatchTransactions.encode(transfers(nonces));
      Step step = execute(parent, transactions, timestamp, nonces);
      if (!step.execution().skipped().isEmpty()) {
        throw new IllegalStateException("workload transfer skipped in batch " + step.batch().number() + ": "
            + step.execution().skipped().get(0));
      }
      call.add(step);
      parent = step;
    }
    return call;
  }

  /** Sequences one batch, alone in its call, whose transactions field is {@code transactions} as is. */
  public RollupEvent.SequenceBatches sequenceTransactions(byte[] transactions) {
    Step parent = tip();
    long timestamp = Math.max(parent.timestamp(), latestBlock().getTimestamp().longValueExact());
    return sequenceOnL1(List.of(execute(parent, transactions, timestamp, parent.nonces().clone())));
  }

  /** Sequences a batch of 0xdeadbeef, not an RLP list: all skipped as malformed, its root is its parent's. */
  public RollupEvent.SequenceBatches sequenceGarbage() {
    return sequenceTransactions(GARBAGE);
  }

  // ---- the trusted aggregator ----

  /** Verifies (lastVerifiedBatch, finalNewBatch] with the fixture's root of finalNewBatch. */
  public RollupEvent.VerifyBatchesTrustedAggregator verify(long finalNewBatch) {
    return verifyOnL1(finalNewBatch, root(finalNewBatch));
  }

  /** Verifies everything sequenced so far. */
  public RollupEvent.VerifyBatchesTrustedAggregator verifyAll() {
    return verify(lastBatchSequenced());
  }

  /**
   * Verifies (lastVerifiedBatch, finalNewBatch] with a root of the caller's: the dev attestation
   * verifier checks only the prover's signature, so L1 accepts it and a node must report a state
   * root mismatch (PROTOCOL.md §7).
   */
  public RollupEvent.VerifyBatchesTrustedAggregator verifyWrongRoot(long finalNewBatch, String wrongRootHex) {
    return verifyOnL1(finalNewBatch, Hash32.of(wrongRootHex));
  }

  // ---- what the fixture knows ----

  public long lastBatchSequenced() {
    return steps.size() - 1;
  }

  public long lastVerifiedBatch() {
    return lastVerifiedBatch;
  }

  /** The last batch of every sequencing call so far, ascending, without 0. */
  public List<Long> sequenceBoundaries() {
    return List.copyOf(sequenceBoundaries.tailSet(0L, false));
  }

  /** Batch n (n ≥ 1), as sequenced. */
  public Batch batch(long n) {
    return step(n).batch();
  }

  /** The fixture's execution of batch n (n ≥ 1). */
  public ExecutionResult execution(long n) {
    return step(n).execution();
  }

  /** State root of batch n as executed here; n = 0 is the genesis root. */
  public Hash32 root(long n) {
    return step(n).root();
  }

  public Hash32 accInputHash(long n) {
    return step(n).accInputHash();
  }

  /** The root L1 records for n (batchNumToStateRoot), if n was the end of a verification. */
  public Optional<Hash32> verifiedRoot(long n) {
    return Optional.ofNullable(verifiedRoots.get(n));
  }

  // ---- L1 control ----

  /** Mines {@code blocks} empty L1 blocks. */
  public void mine(long blocks) {
    rpc("anvil_mine", List.of(Numeric.encodeQuantity(BigInteger.valueOf(blocks))));
  }

  /**
   * Replaces the latest {@code depth} L1 blocks with empty ones at the same heights: what they
   * sequenced or verified is gone, and the fixture forgets it too.
   */
  public void reorg(long depth) {
    rpc("anvil_reorg", List.of(depth, List.of()));
    long sequenced = view.lastBatchSequenced();
    while (lastBatchSequenced() > sequenced) steps.remove(steps.size() - 1);
    sequenceBoundaries.tailSet(sequenced, false).clear();
    lastVerifiedBatch = view.lastVerifiedBatch();
    verifiedRoots.tailMap(lastVerifiedBatch, false).clear();
  }

  public EthBlock.Block latestBlock() {
    try {
      return web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
    } catch (IOException e) {
      throw new IllegalStateException("eth_getBlockByNumber latest: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    web3j.shutdown();
  }

  // ---- plumbing ----

  private Step tip() {
    return steps.get(steps.size() - 1);
  }

  private Step step(long n) {
    if (n < 0 || n > lastBatchSequenced()) {
      throw new IllegalArgumentException("batch " + n + " is not sequenced (last " + lastBatchSequenced() + ")");
    }
    return steps.get((int) n);
  }

  private Step execute(Step parent, byte[] transactions, long timestamp, long[] noncesAfter) {
    long number = parent.batch() == null ? 1 : parent.batch().number() + 1;
    Batch batch = new Batch(number, transactions, timestamp, coinbase);
    ExecutionResult result = executor.execute(parent.root(), batch);
    return new Step(batch, result, result.stateRoot(), AccInputHash.next(parent.accInputHash(), batch), noncesAfter);
  }

  /** Sends the call; the fixture keeps its batches only once L1 has them, with the same accInputHash. */
  private RollupEvent.SequenceBatches sequenceOnL1(List<Step> call) {
    List<BatchData> data = call.stream()
        .map(s -> new BatchData(s.batch().transactions(), s.batch().timestamp())).toList();
    RollupEvent.SequenceBatches event = sequencer.sequenceBatches(data, coinbase.hex());
    Step last = call.get(call.size() - 1);
    if (event.numBatch() != last.batch().number() || !Hash32.of(event.accInputHash()).equals(last.accInputHash())) {
      throw new IllegalStateException("L1 sequenced up to batch " + event.numBatch() + " with accInputHash "
          + event.accInputHash() + ", the fixture expected " + last.batch().number() + " with " + last.accInputHash());
    }
    steps.addAll(call);
    sequenceBoundaries.add(last.batch().number());
    return event;
  }

  /** The proof is the prover's attestation of inputSnark, built from what L1 holds for initNumBatch. */
  private RollupEvent.VerifyBatchesTrustedAggregator verifyOnL1(long finalNewBatch, Hash32 newStateRoot) {
    long init = lastVerifiedBatch;
    // Beyond what is sequenced there is no accInputHash: zero lets the contract say why it refuses.
    Hash32 newAccInputHash = finalNewBatch <= lastBatchSequenced() ? accInputHash(finalNewBatch) : Hash32.ZERO;
    BigInteger inputSnark = AttestationProof.inputSnark(aggregatorAddress, verifiedRoots.get(init).bytes(),
        accInputHash(init).bytes(), init, l2ChainId, newStateRoot.bytes(), newAccInputHash.bytes(), finalNewBatch);
    RollupEvent.VerifyBatchesTrustedAggregator event = aggregator.verifyBatchesTrustedAggregator(init, finalNewBatch,
        newStateRoot.hex(), AttestationProof.sign(inputSnark, proverKey));
    lastVerifiedBatch = finalNewBatch;
    verifiedRoots.put(finalNewBatch, newStateRoot);
    return event;
  }

  /**
   * The next {@link #transfersPerBatch} transfers, advancing {@code nonces}: senders in turn over
   * the dev keys, legacy EIP-155 and EIP-1559 alternating by round, recipients both new addresses
   * and dev accounts. Values are never zero (anvil keeps touched empty accounts, PROTOCOL.md §2).
   */
  private List<byte[]> transfers(long[] nonces) {
    List<Supplier<byte[]>> signings = new ArrayList<>(transfersPerBatch);
    for (int i = 0; i < transfersPerBatch; i++, transfers++) {
      int from = (int) (transfers % l2Keys.size());
      boolean legacy = (transfers / l2Keys.size()) % 2 == 0;
      String to = transfers % 3 == 0
          ? l2Keys.get((from + 1) % l2Keys.size()).getAddress()
          : newRecipient(transfers % NEW_RECIPIENTS).hex();
      BigInteger nonce = BigInteger.valueOf(nonces[from]++);
      BigInteger value = BigInteger.valueOf(1_000_000_000_000L + transfers);
      Credentials key = l2Keys.get(from);
      signings.add(legacy
          ? () -> TransactionEncoder.signMessage(RawTransaction.createEtherTransaction(nonce, GWEI, GAS, to, value),
              l2ChainId, key)
          : () -> TransactionEncoder.signMessage(RawTransaction.createEtherTransaction(l2ChainId, nonce, GAS, to,
              value, GWEI, GWEI.shiftLeft(1)), key));
    }
    // Signing is the costly part (an ECDSA signature and a recovery each): in parallel, order kept.
    return signings.parallelStream().map(Supplier::get).toList();
  }

  private static Account genesisAccount(Genesis genesis, Credentials key) {
    Account account = genesis.alloc().get(Address.of(key.getAddress()));
    if (account == null) throw new IllegalArgumentException("the genesis does not fund dev key " + key.getAddress());
    return account;
  }

  /** A deterministic address no key is known for: it exists on L2 only once a transfer reaches it. */
  static Address newRecipient(long index) {
    byte[] hash = Hash32.keccak(("zkchain-l1-workload-recipient-" + index).getBytes(StandardCharsets.UTF_8)).bytes();
    return new Address(Arrays.copyOfRange(hash, 12, 32));
  }

  private L1Sender sender(int devKey) {
    return new L1Sender(web3j, Credentials.create(DevKeys.key(devKey)), l1ChainId, POLL, TIMEOUT);
  }

  private static long l1ChainId(Web3j web3j) {
    try {
      return web3j.ethChainId().send().getChainId().longValueExact();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the L1 chain id: " + e.getMessage(), e);
    }
  }

  private void rpc(String method, List<Object> params) {
    try {
      Response<?> r = new Request<>(method, params, http, VoidResponse.class).send();
      if (r.hasError()) throw new IllegalStateException(method + " " + params + ": " + r.getError().getMessage());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + params + ": " + e.getMessage(), e);
    }
  }
}
