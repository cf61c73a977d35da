package zkchain.execution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.rlp.RlpEncoder;
import org.web3j.rlp.RlpList;
import org.web3j.rlp.RlpString;
import org.web3j.rlp.RlpType;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;
import zkchain.http.EthJson;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Hash32;
import zkchain.protocol.SkipReason;
import zkchain.protocol.Txs;

/** The batches as the Ethereum chain of PROTOCOL.md §8, from batches executed here. */
class L2ChainTest {
  static final Genesis GENESIS = Genesis.load(Path.of("conf/genesis.json"));
  static final long CHAIN = GENESIS.chainId();
  static final Credentials ALICE = Credentials.create(DevKeys.key(5));
  static final Credentials BOB = Credentials.create(DevKeys.key(6));
  static final Address COINBASE = Address.of("0x00000000000000000000000000000000000c0ffe");
  static final Address CAROL = Address.of("0x000000000000000000000000000000000000ca01");

  /** Batches executed in order on one store, as a role records them. */
  static final class Recorded implements L2Chain.Batches {
    final InMemoryNodeStore store = new InMemoryNodeStore();
    final Hash32 genesisRoot = GENESIS.write(store);
    final Map<Long, L2Chain.Entry> entries = new HashMap<>();

    void add(List<byte[]> transactions, long timestamp) {
      long n = entries.size() + 1;
      Hash32 parentRoot = n == 1 ? genesisRoot : entries.get(n - 1).stateRoot();
      Hash32 parentAcc = n == 1 ? AccInputHash.GENESIS : entries.get(n - 1).accInputHash();
      replace(n, transactions, timestamp, parentRoot, parentAcc);
    }

    void replace(long n, List<byte[]> transactions, long timestamp, Hash32 parentRoot, Hash32 parentAcc) {
      Batch batch = new Batch(n, BatchTransactions.encode(transactions), timestamp, COINBASE);
      ExecutionResult r = new Executor(store, GENESIS.chainConfig()).execute(parentRoot, batch);
      entries.put(n, new L2Chain.Entry(batch, r.stateRoot(), AccInputHash.next(parentAcc, batch)));
    }

    @Override
    public Optional<L2Chain.Entry> batch(long number) {
      return Optional.ofNullable(entries.get(number));
    }

    L2Chain chain(BlockHashes hashes) {
      return new L2Chain(this, store, GENESIS.chainConfig(), genesisRoot, hashes);
    }
  }

  static Recorded threeBatches() {
    Recorded r = new Recorded();
    r.add(List.of(Txs.legacy(ALICE, CHAIN, 0, 2, CAROL, BigInteger.TEN),
        Txs.dynamicFee(BOB, CHAIN, 0, 1, 3, CAROL, BigInteger.ONE)), 100);
    // the second transfer reuses nonce 0: skipped, in no block
    r.add(List.of(Txs.legacy(ALICE, CHAIN, 1, 0, CAROL, BigInteger.TWO),
        Txs.legacy(BOB, CHAIN, 0, 0, CAROL, BigInteger.TWO)), 101);
    r.add(List.of(), 102);
    return r;
  }

  @Test
  void blocksChainByParentHashAndTheirHashIsTheHeaderAsAnyClientEncodesIt() {
    Recorded r = threeBatches();
    L2Chain chain = r.chain(BlockHashes.inMemory());
    Hash32 parent = chain.genesis().hash();
    for (long n = 0; n <= 3; n++) {
      L2Chain.Block b = chain.block(n).orElseThrow();
      if (n > 0) assertEquals(parent, b.block().header().parentHash());
      assertEquals(b.hash(), recomputed(EthJson.block(b, false)), "block " + n);
      parent = b.hash();
    }
    assertTrue(chain.block(4).isEmpty());
    assertEquals(GENESIS.write(new InMemoryNodeStore()), chain.genesis().block().header().stateRoot());
  }

  @Test
  void aBlockHoldsTheAppliedTransactionsOnlyAndSkippedOnesKeepTheirReason() {
    Recorded r = threeBatches();
    L2Chain chain = r.chain(BlockHashes.inMemory());
    L2Chain.Block one = chain.block(1).orElseThrow();
    assertEquals(2, one.block().transactions().size());
    assertEquals(42_000, one.block().header().gasUsed());
    assertEquals(r.entries.get(1L).accInputHash(), one.block().header().extraData());
    L2Chain.Block two = chain.block(2).orElseThrow();
    assertEquals(1, two.block().transactions().size());
    Hash32 skipped = Hash32.keccak(Txs.legacy(BOB, CHAIN, 0, 0, CAROL, BigInteger.TWO));
    assertTrue(two.transaction(skipped).isEmpty());
    var outcome = (TransactionOutcome.Skipped) two.outcome(skipped).orElseThrow();
    assertEquals(SkipReason.NONCE, outcome.reason());
    assertEquals(1, outcome.index());
    // receipts: cumulative gas and the effective gas price of each type
    JsonNode receipt = EthJson.receipt(one, one.block().transactions().get(1));
    assertEquals("0xa410", receipt.get("cumulativeGasUsed").asText());
    assertEquals("0x1", receipt.get("effectiveGasPrice").asText()); // min(maxFee 3, tip 1)
    assertEquals("0x2", receipt.get("type").asText());
  }

  @Test
  void hashesAreKeptByAccInputHashAndATrustedReorgChangesTheBlockAndEveryOneAfter() {
    Recorded r = threeBatches();
    BlockHashes hashes = BlockHashes.inMemory();
    L2Chain chain = r.chain(hashes);
    Hash32 oldTwo = chain.block(2).orElseThrow().hash();
    Hash32 oldThree = chain.block(3).orElseThrow().hash();
    // another chain on the same hashes builds block 3 from block 2's hash alone, and finds it by hash
    assertEquals(oldThree, r.chain(hashes).block(3).orElseThrow().hash());
    assertEquals(3, r.chain(hashes).blockByHash(oldThree).orElseThrow().number());

    // L1 sequences batch 2 with another timestamp: blocks 2 and 3 change, block 1 does not
    Hash32 oneHash = chain.block(1).orElseThrow().hash();
    r.replace(2, List.of(Txs.legacy(ALICE, CHAIN, 1, 0, CAROL, BigInteger.TWO)), 150, r.entries.get(1L).stateRoot(),
        r.entries.get(1L).accInputHash());
    Batch three = r.entries.get(3L).batch();
    r.replace(3, List.of(), three.timestamp() + 100, r.entries.get(2L).stateRoot(), r.entries.get(2L).accInputHash());
    assertEquals(oneHash, chain.block(1).orElseThrow().hash());
    assertTrue(!chain.block(2).orElseThrow().hash().equals(oldTwo));
    assertTrue(!chain.block(3).orElseThrow().hash().equals(oldThree));
    assertEquals(chain.block(2).orElseThrow().hash(), chain.block(3).orElseThrow().block().header().parentHash());
    assertTrue(chain.blockByHash(oldTwo).isEmpty(), "a replaced version is no block of the chain");
  }

  @Test
  void aRecordedRootTheBatchDoesNotExecuteToIsRefused() {
    Recorded r = threeBatches();
    L2Chain.Entry e = r.entries.get(2L);
    r.entries.put(2L, new L2Chain.Entry(e.batch(), Hash32.keccak(new byte[] {1}), e.accInputHash()));
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> r.chain(BlockHashes.inMemory()).block(2));
    assertTrue(refused.getMessage().contains("batch 2 executes to state root"), refused.getMessage());
  }

  @Test
  void anAccountProofIsThePathOfHashedNodesFromTheRoot() {
    Recorded r = threeBatches();
    Hash32 root = r.entries.get(2L).stateRoot();
    MerklePatriciaTrie trie = MerklePatriciaTrie.open(r.store, root);
    for (Address a : List.of(Txs.address(ALICE), CAROL, COINBASE, Address.of("0x00000000000000000000000000000000000000aa"))) {
      List<byte[]> proof = trie.proof(Hash32.keccak(a.bytes()).bytes());
      assertEquals(root, Hash32.keccak(proof.get(0)));
      for (int i = 1; i < proof.size(); i++) {
        byte[] ref = Hash32.keccak(proof.get(i)).bytes();
        assertTrue(contains(proof.get(i - 1), ref), "node " + i + " is referred to by its parent's hash");
      }
      Optional<byte[]> value = trie.get(Hash32.keccak(a.bytes()).bytes());
      value.ifPresent(v -> assertTrue(contains(proof.get(proof.size() - 1), v), "the leaf holds the account"));
    }
    assertArrayEquals(new byte[0], new byte[0]);
  }

  /** keccak(RLP(header)) with web3j's RLP, from the JSON fields a client reads. */
  private static Hash32 recomputed(JsonNode b) {
    List<RlpType> f = new ArrayList<>();
    for (String name : List.of("parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot", "receiptsRoot",
        "logsBloom")) {
      f.add(RlpString.create(Numeric.hexStringToByteArray(b.get(name).asText())));
    }
    for (String name : List.of("difficulty", "number", "gasLimit", "gasUsed", "timestamp")) {
      f.add(RlpString.create(Numeric.decodeQuantity(b.get(name).asText())));
    }
    for (String name : List.of("extraData", "mixHash", "nonce")) {
      f.add(RlpString.create(Numeric.hexStringToByteArray(b.get(name).asText())));
    }
    f.add(RlpString.create(Numeric.decodeQuantity(b.get("baseFeePerGas").asText())));
    f.add(RlpString.create(Numeric.hexStringToByteArray(b.get("withdrawalsRoot").asText())));
    return new Hash32(Hash.sha3(RlpEncoder.encode(new RlpList(f))));
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
      return true;
    }
    return false;
  }
}
