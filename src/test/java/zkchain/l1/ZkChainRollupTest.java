package zkchain.l1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;
import zkchain.aggregator.AttestationProof;
import zkchain.devnet.Anvil;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;

/** ZkChainRollup on a real anvil: every rule of PROTOCOL.md §5, through the Java binding. */
class ZkChainRollupTest {
  static final long L2_CHAIN_ID = 1001;
  static final String GENESIS_ROOT = "0x" + "11".repeat(32);
  static final String COINBASE = "0x" + "c0".repeat(20);

  static Anvil anvil;
  static Web3j web3j;
  static L1Sender admin;
  static L1Sender sequencer;
  static L1Sender aggregator;
  static ECKeyPair proverKey = Credentials.create(DevKeys.key(DevKeys.PROVER)).getEcKeyPair();
  static ECKeyPair sequencerKey = Credentials.create(DevKeys.key(DevKeys.SEQUENCER)).getEcKeyPair();

  L1Deployment deployment;
  /** Java's own accInputHash per sequenced batch, to check the contract's chain against. */
  Map<Long, byte[]> javaAccInputHash;

  @BeforeAll
  static void startL1() {
    anvil = Anvil.start();
    web3j = Web3j.build(new HttpService(anvil.url()));
    admin = sender(DevKeys.L1_ADMIN);
    sequencer = sender(DevKeys.SEQUENCER);
    aggregator = sender(DevKeys.AGGREGATOR);
  }

  @AfterAll
  static void stopL1() {
    web3j.shutdown();
    anvil.close();
  }

  /** A fresh rollup per test: tests do not depend on each other's batches. */
  @BeforeEach
  void deploy() {
    deployment = Deployer.deploy(admin, Deployer.Roles.dev(), L2_CHAIN_ID, GENESIS_ROOT);
    javaAccInputHash = new HashMap<>(Map.of(0L, AccInputHash.GENESIS.bytes()));
  }

  static L1Sender sender(int devKey) {
    return new L1Sender(web3j, Credentials.create(DevKeys.key(devKey)), L1Sender.chainId(web3j),
        Duration.ofMillis(20), Duration.ofSeconds(30));
  }

  ZkChainRollup as(L1Sender who) {
    return ZkChainRollup.at(who, deployment.rollup());
  }

  ZkChainRollup view() {
    return ZkChainRollup.at(web3j, deployment.rollup());
  }

  static long latestTimestamp() {
    try {
      return web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock()
          .getTimestamp().longValueExact();
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  static EthBlock.Block block(long number) throws IOException {
    return web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.valueOf(number)), false).send()
        .getBlock();
  }

  static BatchData batch(String transactionsHex, long timestamp) {
    return new BatchData(Numeric.hexStringToByteArray(transactionsHex), timestamp);
  }

  /** Sequences from the trusted sequencer and extends Java's accInputHash chain alongside. */
  RollupEvent.SequenceBatches sequence(List<BatchData> batches) {
    long first = view().lastBatchSequenced() + 1;
    RollupEvent.SequenceBatches event = as(sequencer).sequenceBatches(batches, COINBASE);
    for (int i = 0; i < batches.size(); i++) {
      BatchData b = batches.get(i);
      javaAccInputHash.put(first + i,
          AccInputHash.next(new Hash32(javaAccInputHash.get(first + i - 1)), b.transactions(), b.timestamp(),
              Address.of(COINBASE)).bytes());
    }
    return event;
  }

  byte[] proof(String sender, long initNumBatch, long finalNewBatch, String oldStateRoot, String newStateRoot,
      long chainId, ECKeyPair key) {
    BigInteger inputSnark = AttestationProof.inputSnark(sender, hex(oldStateRoot), javaAccInputHash.get(initNumBatch),
        initNumBatch, chainId, hex(newStateRoot), javaAccInputHash.get(finalNewBatch), finalNewBatch);
    return AttestationProof.sign(inputSnark, key);
  }

  byte[] goodProof(long initNumBatch, long finalNewBatch, String oldStateRoot, String newStateRoot) {
    return proof(aggregator.address(), initNumBatch, finalNewBatch, oldStateRoot, newStateRoot, L2_CHAIN_ID,
        proverKey);
  }

  static byte[] hex(String h) {
    return Numeric.hexStringToByteArray(h);
  }

  static String root(int fill) {
    return "0x" + String.format("%02x", fill).repeat(32);
  }

  static void assertReverts(String reason, Runnable call) {
    L1Revert e = assertThrows(L1Revert.class, call::run);
    assertEquals(reason, e.reason());
  }

  // ---- constructor and views ----

  @Test
  void constructorStoresRolesChainIdAndGenesisRoot() {
    ZkChainRollup rollup = view();
    Deployer.Roles roles = Deployer.Roles.dev();
    assertEquals(roles.admin().toLowerCase(), rollup.admin());
    assertEquals(roles.trustedSequencer().toLowerCase(), rollup.trustedSequencer());
    assertEquals(roles.trustedAggregator().toLowerCase(), rollup.trustedAggregator());
    assertEquals(deployment.verifier(), rollup.verifier());
    assertEquals(L2_CHAIN_ID, rollup.chainID());
    assertEquals(GENESIS_ROOT, rollup.batchNumToStateRoot(0));
    assertEquals(0, rollup.lastBatchSequenced());
    assertEquals(0, rollup.lastVerifiedBatch());
    assertEquals(0, rollup.lastTimestamp());
    assertEquals(new ZkChainRollup.SequencedBatchData("0x" + "00".repeat(32), 0, 0), rollup.sequencedBatches(0));
  }

  // ---- sequencing ----

  @Test
  void sequencingNumbersBatchesAndChainsAccInputHashAsJavaDoes() throws IOException {
    long t = latestTimestamp();
    RollupEvent.SequenceBatches first = sequence(List.of(batch("0xc0", t - 100), batch("0xc3010203", t - 50),
        batch("0x", t - 50)));
    assertEquals(3, first.numBatch());
    assertEquals(Numeric.toHexString(javaAccInputHash.get(3L)), first.accInputHash());

    ZkChainRollup rollup = view();
    ZkChainRollup.SequencedBatchData stored = rollup.sequencedBatches(3);
    assertEquals(first.accInputHash(), stored.accInputHash());
    assertEquals(block(first.log().blockNumber()).getTimestamp().longValueExact(), stored.sequencedTimestamp());
    assertEquals(0, stored.previousLastBatchSequenced());
    assertEquals(3, rollup.lastBatchSequenced());
    assertEquals(t - 50, rollup.lastTimestamp());
    // Batches inside a sequence store nothing: only boundaries can be verified.
    assertEquals(new ZkChainRollup.SequencedBatchData("0x" + "00".repeat(32), 0, 0), rollup.sequencedBatches(2));

    RollupEvent.SequenceBatches second = sequence(List.of(batch("0xc18080", t - 50), batch("0xc0", t)));
    assertEquals(5, second.numBatch());
    assertEquals(Numeric.toHexString(javaAccInputHash.get(5L)), second.accInputHash());
    assertEquals(3, rollup.sequencedBatches(5).previousLastBatchSequenced());
    assertEquals(5, rollup.lastBatchSequenced());
  }

  @Test
  void sequencingIsRefusedFromAnyoneButTheTrustedSequencer() {
    List<BatchData> batches = List.of(batch("0xc0", latestTimestamp()));
    assertReverts("only trusted sequencer", () -> as(aggregator).sequenceBatches(batches, COINBASE));
    assertReverts("only trusted sequencer", () -> as(admin).sequenceBatches(batches, COINBASE));
    assertEquals(0, view().lastBatchSequenced());
  }

  @Test
  void anEmptyBatchListIsRefused() {
    assertReverts("no batches to sequence", () -> as(sequencer).sequenceBatches(List.of(), COINBASE));
  }

  @Test
  void batchesOfAtMost120000BytesAreAcceptedAndLargerOnesRefused() {
    long t = latestTimestamp();
    BatchData atLimit = new BatchData(new byte[ZkChainRollup.MAX_TRANSACTIONS_BYTE_LENGTH], t);
    BatchData oversize = new BatchData(new byte[ZkChainRollup.MAX_TRANSACTIONS_BYTE_LENGTH + 1], t);
    assertReverts("transactions exceed 120000 bytes",
        () -> as(sequencer).sequenceBatches(List.of(batch("0xc0", t), oversize), COINBASE));
    assertEquals(1, sequence(List.of(atLimit)).numBatch());
  }

  @Test
  void timestampsBelowTheLastTimestampAreRefused() {
    long t = latestTimestamp();
    sequence(List.of(batch("0xc0", t - 10)));
    assertReverts("timestamp below last timestamp",
        () -> as(sequencer).sequenceBatches(List.of(batch("0xc0", t - 11)), COINBASE));
    // Within one call too: each batch is checked against the one before it.
    assertReverts("timestamp below last timestamp",
        () -> as(sequencer).sequenceBatches(List.of(batch("0xc0", t - 5), batch("0xc0", t - 6)), COINBASE));
    assertEquals(2, sequence(List.of(batch("0xc0", t - 10))).numBatch(), "an equal timestamp is allowed");
  }

  @Test
  void timestampsAboveTheBlockTimestampAreRefused() {
    long future = latestTimestamp() + 3600;
    assertReverts("timestamp above block timestamp",
        () -> as(sequencer).sequenceBatches(List.of(batch("0xc0", future)), COINBASE));
  }

  // ---- verification ----

  @Test
  void verificationFromTheTrustedAggregatorConsolidatesAndChains() {
    long t = latestTimestamp();
    sequence(List.of(batch("0xc0", t), batch("0xc101", t)));
    sequence(List.of(batch("0xc102", t)));

    RollupEvent.VerifyBatchesTrustedAggregator v1 = as(aggregator).verifyBatchesTrustedAggregator(0, 2, root(0xa2),
        goodProof(0, 2, GENESIS_ROOT, root(0xa2)));
    assertEquals(2, v1.numBatch());
    assertEquals(root(0xa2), v1.stateRoot());
    assertEquals(aggregator.address(), v1.aggregator());
    assertEquals(2, view().lastVerifiedBatch());
    assertEquals(root(0xa2), view().batchNumToStateRoot(2));

    // The next proof starts from batch 2's verified root and accInputHash.
    RollupEvent.VerifyBatchesTrustedAggregator v2 = as(aggregator).verifyBatchesTrustedAggregator(2, 3, root(0xa3),
        goodProof(2, 3, root(0xa2), root(0xa3)));
    assertEquals(3, v2.numBatch());
    assertEquals(3, view().lastVerifiedBatch());
    assertEquals(root(0xa3), view().batchNumToStateRoot(3));
  }

  @Test
  void verificationIsRefusedFromAnyoneButTheTrustedAggregator() {
    sequence(List.of(batch("0xc0", latestTimestamp())));
    byte[] proofBySequencerAsSender =
        proof(sequencer.address(), 0, 1, GENESIS_ROOT, root(1), L2_CHAIN_ID, proverKey);
    assertReverts("only trusted aggregator",
        () -> as(sequencer).verifyBatchesTrustedAggregator(0, 1, root(1), proofBySequencerAsSender));
    assertEquals(0, view().lastVerifiedBatch());
  }

  @Test
  void verificationMustStartAtTheLastVerifiedBatch() {
    long t = latestTimestamp();
    sequence(List.of(batch("0xc0", t)));
    sequence(List.of(batch("0xc0", t)));
    assertReverts("initNumBatch is not lastVerifiedBatch",
        () -> as(aggregator).verifyBatchesTrustedAggregator(1, 2, root(2), goodProof(1, 2, root(0), root(2))));
  }

  @Test
  void verificationMustEndAtASequencedSequenceBoundary() {
    long t = latestTimestamp();
    sequence(List.of(batch("0xc0", t), batch("0xc0", t), batch("0xc0", t)));
    assertReverts("finalNewBatch is not a sequence boundary",
        () -> as(aggregator).verifyBatchesTrustedAggregator(0, 2, root(2), goodProof(0, 2, GENESIS_ROOT, root(2))));
    assertReverts("finalNewBatch not sequenced",
        () -> as(aggregator).verifyBatchesTrustedAggregator(0, 4, root(4), new byte[65]));
    assertReverts("finalNewBatch not above initNumBatch",
        () -> as(aggregator).verifyBatchesTrustedAggregator(0, 0, root(4), new byte[65]));
    assertEquals(0, view().lastVerifiedBatch());
  }

  @Test
  void wrongProofsAreRefused() {
    sequence(List.of(batch("0xc0", latestTimestamp())));
    String agg = aggregator.address();
    Map<String, byte[]> wrongProofs = Map.of(
        "signed by the sequencer, not the prover", proof(agg, 0, 1, GENESIS_ROOT, root(1), L2_CHAIN_ID, sequencerKey),
        "for another new state root", proof(agg, 0, 1, GENESIS_ROOT, root(2), L2_CHAIN_ID, proverKey),
        "for another old state root", proof(agg, 0, 1, root(9), root(1), L2_CHAIN_ID, proverKey),
        "for another chain id", proof(agg, 0, 1, GENESIS_ROOT, root(1), L2_CHAIN_ID + 1, proverKey),
        "for another sender", proof(sequencer.address(), 0, 1, GENESIS_ROOT, root(1), L2_CHAIN_ID, proverKey),
        "empty", new byte[0],
        "64 bytes", Arrays.copyOf(goodProof(0, 1, GENESIS_ROOT, root(1)), 64));
    wrongProofs.forEach((what, proof) -> {
      L1Revert e = assertThrows(L1Revert.class,
          () -> as(aggregator).verifyBatchesTrustedAggregator(0, 1, root(1), proof), what);
      assertEquals("invalid proof", e.reason(), what);
    });
    assertEquals(0, view().lastVerifiedBatch());
    // The same call with the right proof goes through: the refusals above were the proofs.
    assertEquals(1, as(aggregator).verifyBatchesTrustedAggregator(0, 1, root(1),
        goodProof(0, 1, GENESIS_ROOT, root(1))).numBatch());
  }

  @Test
  void proofsAreBoundToTheRollupsOwnChainId() {
    long otherChainId = 424242;
    deployment = Deployer.deploy(admin, Deployer.Roles.dev(), otherChainId, GENESIS_ROOT);
    sequence(List.of(batch("0xc0", latestTimestamp())));
    String agg = aggregator.address();
    assertReverts("invalid proof", () -> as(aggregator).verifyBatchesTrustedAggregator(0, 1, root(1),
        proof(agg, 0, 1, GENESIS_ROOT, root(1), L2_CHAIN_ID, proverKey)));
    assertEquals(1, as(aggregator).verifyBatchesTrustedAggregator(0, 1, root(1),
        proof(agg, 0, 1, GENESIS_ROOT, root(1), otherChainId, proverKey)).numBatch());
  }

  @Test
  void theVerifierAcceptsExactlyTheProversAttestation() {
    DevAttestationVerifier verifier = DevAttestationVerifier.at(web3j, deployment.verifier());
    assertEquals(deployment.prover(), verifier.prover());
    BigInteger inputSnark = BigInteger.valueOf(123456789);
    byte[] proof = AttestationProof.sign(inputSnark, proverKey);
    assertTrue(verifier.verifyProof(proof, inputSnark));
    assertEquals(false, verifier.verifyProof(proof, inputSnark.add(BigInteger.ONE)));
    byte[] highS = proof.clone();
    // The malleable twin (n − s, flipped v) recovers the same key but is refused (EIP-2).
    BigInteger n = new BigInteger("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(proof, 32, 64));
    System.arraycopy(Numeric.toBytesPadded(n.subtract(s), 32), 0, highS, 32, 32);
    highS[64] = (byte) (proof[64] == 27 ? 28 : 27);
    assertEquals(false, verifier.verifyProof(highS, inputSnark));
  }

  // ---- admin ----

  @Test
  void onlyTheAdminReplacesTheTrustedSequencer() {
    String newSequencer = Credentials.create(DevKeys.key(5)).getAddress();
    assertReverts("only admin", () -> as(sequencer).setTrustedSequencer(newSequencer));

    RollupEvent.SetTrustedSequencer event = as(admin).setTrustedSequencer(newSequencer);
    assertEquals(newSequencer, event.newTrustedSequencer());
    assertEquals(newSequencer, view().trustedSequencer());
    long t = latestTimestamp();
    assertReverts("only trusted sequencer", () -> as(sequencer).sequenceBatches(List.of(batch("0xc0", t)), COINBASE));
    assertEquals(1, as(sender(5)).sequenceBatches(List.of(batch("0xc0", t)), COINBASE).numBatch());
  }

  // ---- events and calldata, as a node reads them ----

  @Test
  void eventsDecodeFromLogsInChainOrder() {
    long t = latestTimestamp();
    RollupEvent.SequenceBatches sequenced = sequence(List.of(batch("0xc0", t), batch("0xc0", t)));
    RollupEvent.VerifyBatchesTrustedAggregator verified = as(aggregator).verifyBatchesTrustedAggregator(0, 2,
        root(7), goodProof(0, 2, GENESIS_ROOT, root(7)));
    RollupEvent.SetTrustedSequencer changed = as(admin).setTrustedSequencer(aggregator.address());

    List<RollupEvent> events = view().events(deployment.deployBlock(), changed.log().blockNumber());
    assertEquals(List.of(sequenced, verified, changed), events);

    RollupEvent.SequenceBatches s = assertInstanceOf(RollupEvent.SequenceBatches.class, events.get(0));
    assertEquals(2, s.numBatch());
    assertEquals(Numeric.toHexString(javaAccInputHash.get(2L)), s.accInputHash());
    RollupEvent.VerifyBatchesTrustedAggregator v =
        assertInstanceOf(RollupEvent.VerifyBatchesTrustedAggregator.class, events.get(1));
    assertEquals(new RollupEvent.VerifyBatchesTrustedAggregator(2, root(7), aggregator.address(), v.log()), v);
    RollupEvent.SetTrustedSequencer c = assertInstanceOf(RollupEvent.SetTrustedSequencer.class, events.get(2));
    assertEquals(aggregator.address(), c.newTrustedSequencer());

    // Positions are the real L1 ones: the block at that number has that hash and holds the transaction.
    for (RollupEvent e : events) {
      try {
        EthBlock.Block b = web3j.ethGetBlockByNumber(
            DefaultBlockParameter.valueOf(BigInteger.valueOf(e.log().blockNumber())), false).send().getBlock();
        assertEquals(b.getHash(), e.log().blockHash());
        assertTrue(b.getTransactions().stream().anyMatch(tx -> tx.get().equals(e.log().txHash())));
      } catch (IOException ex) {
        throw new RuntimeException(ex);
      }
    }
    // The deployment block holds the creation only: no events.
    assertTrue(view().events(deployment.deployBlock(), deployment.deployBlock()).isEmpty());
  }

  @Test
  void batchDataIsReadBackFromTheSequencingTransactionsCalldata() {
    long t = latestTimestamp();
    List<BatchData> batches = List.of(batch("0xc3820102", t - 2), batch("0x", t - 1), batch("0xdeadbeef", t));
    RollupEvent.SequenceBatches event = sequence(batches);

    SequenceBatchesCalldata.Valid read = assertInstanceOf(SequenceBatchesCalldata.Valid.class,
        view().sequencedCalldata(event.log().txHash()));
    assertEquals(batches, read.batches());
    assertEquals(COINBASE, read.l2Coinbase());
    // What a node recomputes from L1 calldata alone matches the contract's accInputHash.
    byte[] acc = AccInputHash.GENESIS.bytes();
    for (BatchData b : read.batches()) acc = AccInputHash.next(new Hash32(acc), b.transactions(), b.timestamp(), Address.of(read.l2Coinbase())).bytes();
    assertArrayEquals(hex(event.accInputHash()), acc);

    // A transaction that is not a sequencing call (here a verification) decodes to a clear Invalid.
    RollupEvent.VerifyBatchesTrustedAggregator verified = as(aggregator).verifyBatchesTrustedAggregator(0, 3,
        root(3), goodProof(0, 3, GENESIS_ROOT, root(3)));
    SequenceBatchesCalldata.Invalid invalid = assertInstanceOf(SequenceBatchesCalldata.Invalid.class,
        view().sequencedCalldata(verified.log().txHash()));
    assertTrue(invalid.reason().contains("is not sequenceBatches"), invalid.reason());
  }

  @Test
  void viewsPinnedToABlockReadThatBlocksState() {
    long t = latestTimestamp();
    long before = sequence(List.of(batch("0xc0", t))).log().blockNumber();
    sequence(List.of(batch("0xc0", t)));
    assertEquals(1, view().atBlock(before).lastBatchSequenced());
    assertEquals(2, view().lastBatchSequenced());
  }
}
