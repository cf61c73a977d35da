package zkchain.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.Hash32;
import zkchain.protocol.SkipReason;
import zkchain.protocol.Txs;

class ExecutorTest {
  static final long CHAIN = 1001;
  static final Credentials ALICE = Credentials.create(DevKeys.key(0));
  static final Credentials CAROL = Credentials.create(DevKeys.key(1));
  static final Address BOB = Address.of("0x00000000000000000000000000000000000b0b00");
  static final Address COINBASE = Address.of("0x00000000000000000000000000000000c0ffee00");
  static final BigInteger ETH = BigInteger.TEN.pow(18);
  static final BigInteger ALICE_FUNDS = ETH.multiply(BigInteger.valueOf(100));

  final InMemoryNodeStore store = new InMemoryNodeStore();
  final Executor executor = new Executor(store, new ChainConfig(CHAIN));
  final Hash32 genesis = new Genesis(CHAIN, Map.of(Txs.address(ALICE), new Account(0, ALICE_FUNDS))).write(store);

  private ExecutionResult run(Hash32 parent, byte[]... raw) {
    return executor.execute(parent, new Batch(1, Txs.batch(raw), 1_000, COINBASE));
  }

  private static Account account(NodeStore store, Hash32 root, Address a) {
    return WorldState.open(store, root).account(a);
  }

  @Test
  void transferMovesValueAndFeeAndBumpsTheNonce() {
    ExecutionResult r = run(genesis, Txs.legacy(ALICE, CHAIN, 0, 2, BOB, ETH),
        Txs.dynamicFee(ALICE, CHAIN, 1, 3, 10, BOB, ETH));
    assertEquals(2, r.applied().size());
    BigInteger fees = BigInteger.valueOf(21_000L * 2 + 21_000L * 3);
    assertEquals(fees, r.fees());
    assertEquals(new Account(2, ALICE_FUNDS.subtract(ETH.multiply(BigInteger.TWO)).subtract(fees)),
        account(store, r.stateRoot(), Txs.address(ALICE)));
    assertEquals(new Account(0, ETH.multiply(BigInteger.TWO)), account(store, r.stateRoot(), BOB));
    assertEquals(new Account(0, fees), account(store, r.stateRoot(), COINBASE));
    assertEquals(3, r.accountChanges().size());
    assertEquals(Account.EMPTY, r.accountChanges().get(BOB).before());
  }

  @Test
  void nonceSkip() {
    ExecutionResult r = run(genesis, Txs.legacy(ALICE, CHAIN, 1, 1, BOB, ETH), Txs.legacy(ALICE, CHAIN, 0, 1, BOB, ETH),
        Txs.legacy(ALICE, CHAIN, 0, 1, BOB, ETH));
    assertSkips(r, Map.of(0, SkipReason.NONCE, 2, SkipReason.NONCE));
    assertEquals(1, r.applied().size(), "the gap is not filled later in the batch: order is batch order");
  }

  @Test
  void feeCapSkip() {
    ExecutionResult r = run(genesis, Txs.dynamicFee(ALICE, CHAIN, 0, 11, 10, BOB, ETH));
    assertSkips(r, Map.of(0, SkipReason.FEE_CAP));
    assertEquals(genesis, r.stateRoot());
  }

  @Test
  void feeCapIsCheckedAfterTheNonce() {
    ExecutionResult r = run(genesis, Txs.dynamicFee(ALICE, CHAIN, 5, 11, 10, BOB, ETH));
    assertSkips(r, Map.of(0, SkipReason.NONCE));
  }

  @Test
  void balanceSkipCountsTheWholeGasLimitAtTheFeeCap() {
    // value + gasLimit · maxFeePerGas exceeds the balance by one wei, although the fee actually
    // charged (21000 · tip) would fit
    BigInteger gasLimit = BigInteger.valueOf(50_000);
    BigInteger value = ALICE_FUNDS.subtract(gasLimit.multiply(BigInteger.valueOf(7))).add(BigInteger.ONE);
    ExecutionResult r = run(genesis,
        Txs.dynamicFee(ALICE, CHAIN, 0, 1, 7, gasLimit, BOB, value, ""),
        Txs.dynamicFee(ALICE, CHAIN, 0, 1, 7, gasLimit, BOB, value.subtract(BigInteger.ONE), ""),
        Txs.legacy(CAROL, CHAIN, 0, 1, BOB, ETH));
    assertSkips(r, Map.of(0, SkipReason.BALANCE, 2, SkipReason.BALANCE));
    assertEquals(1, r.applied().size());
  }

  @Test
  void statelessReasonsAreReportedWithIndexAndHash() {
    byte[] garbage = Numeric.hexStringToByteArray("0x02deadbeef");
    byte[] wrongChain = Txs.legacy(ALICE, 1, 0, 1, BOB, ETH);
    byte[] badSig = Txs.highS(Txs.legacy(ALICE, CHAIN, 0, 1, BOB, ETH));
    byte[] creation = Txs.legacy(ALICE, CHAIN, 0, 1, BigInteger.valueOf(100_000), null, BigInteger.ZERO, "0x00");
    byte[] lowGas = Txs.legacy(ALICE, CHAIN, 0, 1, BigInteger.valueOf(20_000), BOB, ETH, "");
    ExecutionResult r = run(genesis, garbage, wrongChain, badSig, creation, lowGas);
    assertSkips(r, Map.of(0, SkipReason.MALFORMED, 1, SkipReason.WRONG_CHAIN, 2, SkipReason.BAD_SIGNATURE,
        3, SkipReason.UNSUPPORTED, 4, SkipReason.INTRINSIC_GAS));
    assertEquals(Hash32.keccak(badSig), r.outcomes().get(2).hash());
    assertEquals(genesis, r.stateRoot());
    assertTrue(r.accountChanges().isEmpty());
  }

  @Test
  void touchedEmptyAccountIsRemoved() {
    // zero-value transfer to a new address, paid with a zero gas price to a new coinbase: both
    // are touched and left empty, so neither enters the state (EIP-161)
    ExecutionResult r = run(genesis, Txs.legacy(ALICE, CHAIN, 0, 0, BOB, BigInteger.ZERO));
    assertEquals(1, r.applied().size());
    MerklePatriciaTrie withOnlyAlice = MerklePatriciaTrie.empty(new InMemoryNodeStore())
        .put(Hash32.keccak(Txs.address(ALICE).bytes()).bytes(), new Account(1, ALICE_FUNDS).encode());
    assertEquals(withOnlyAlice.rootHash(), r.stateRoot());
    assertEquals(Account.EMPTY, account(store, r.stateRoot(), BOB));
    assertEquals(Map.of(Txs.address(ALICE), new WorldState.AccountChange(Txs.address(ALICE),
        new Account(0, ALICE_FUNDS), new Account(1, ALICE_FUNDS))), r.accountChanges());
  }

  @Test
  void touchedEmptyGenesisAccountIsRemoved() {
    // a genesis account allocated with balance 0 exists until something touches it
    Genesis g = new Genesis(CHAIN, Map.of(Txs.address(ALICE), new Account(0, ALICE_FUNDS), BOB, Account.EMPTY));
    InMemoryNodeStore s = new InMemoryNodeStore();
    Hash32 root = g.write(s);
    assertNotEquals(new Genesis(CHAIN, Map.of(Txs.address(ALICE), new Account(0, ALICE_FUNDS))).write(s), root);
    ExecutionResult r = new Executor(s, new ChainConfig(CHAIN))
        .execute(root, new Batch(1, Txs.batch(Txs.legacy(ALICE, CHAIN, 0, 1, BOB, BigInteger.ZERO)), 1, COINBASE));
    MerklePatriciaTrie expected = MerklePatriciaTrie.empty(new InMemoryNodeStore())
        .put(Hash32.keccak(Txs.address(ALICE).bytes()).bytes(),
            new Account(1, ALICE_FUNDS.subtract(BigInteger.valueOf(21_000))).encode())
        .put(Hash32.keccak(COINBASE.bytes()).bytes(), new Account(0, BigInteger.valueOf(21_000)).encode());
    assertEquals(expected.rootHash(), r.stateRoot(), "the touched empty genesis account is gone");
  }

  @Test
  void garbageBatchSkipsEverythingAsMalformed() {
    byte[] garbage = Numeric.hexStringToByteArray("0xdeadbeefcafe");
    ExecutionResult r = executor.execute(genesis, new Batch(1, garbage, 1, COINBASE));
    assertEquals(List.of(new TransactionOutcome.Skipped(0, Hash32.keccak(garbage), SkipReason.MALFORMED,
        ((TransactionOutcome.Skipped) r.outcomes().get(0)).detail())), r.outcomes());
    assertEquals(genesis, r.stateRoot());
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 2_000; i++) {
      byte[] bytes = new byte[random.nextInt(300)];
      random.nextBytes(bytes);
      if (bytes.length > 2 && random.nextBoolean()) bytes[0] = (byte) 0xf8;
      ExecutionResult any = executor.execute(genesis, new Batch(1, bytes, 1, COINBASE));
      assertEquals(genesis, any.stateRoot());
      assertTrue(any.applied().isEmpty());
    }
  }

  @Test
  void reExecutionFromTheParentRootIsDeterministic() {
    byte[][] txs = new byte[40][];
    for (int i = 0; i < txs.length; i++) {
      Address to = new Address(java.util.Arrays.copyOf(Hash32.keccak(new byte[] {(byte) i}).bytes(), 20));
      txs[i] = i % 2 == 0 ? Txs.legacy(ALICE, CHAIN, i, i, to, ETH) : Txs.dynamicFee(ALICE, CHAIN, i, i, i + 1, to, ETH);
    }
    ExecutionResult first = run(genesis, txs);
    ExecutionResult second = run(genesis, txs);
    assertEquals(40, first.applied().size());
    assertEquals(first, second);
    // a second batch on top, then batch 1 again from genesis: old roots stay openable
    ExecutionResult next = run(first.stateRoot(), Txs.legacy(ALICE, CHAIN, 40, 1, BOB, ETH));
    assertEquals(1, next.applied().size());
    assertEquals(first.stateRoot(), run(genesis, txs).stateRoot());
    assertEquals(new Account(0, ALICE_FUNDS), account(store, genesis, Txs.address(ALICE)));
  }

  private static void assertSkips(ExecutionResult r, Map<Integer, SkipReason> expected) {
    Map<Integer, SkipReason> actual = new java.util.TreeMap<>();
    for (TransactionOutcome.Skipped s : r.skipped()) actual.put(s.index(), s.reason());
    assertEquals(new java.util.TreeMap<>(expected), actual, r.skipped().toString());
    r.outcomes().forEach(o -> assertInstanceOf(TransactionOutcome.class, o));
  }
}
