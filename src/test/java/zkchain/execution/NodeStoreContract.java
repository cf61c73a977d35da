package zkchain.execution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.Hash32;
import zkchain.protocol.Txs;

/** What every NodeStore must do; each database's test supplies a fresh store on a shared database. */
abstract class NodeStoreContract {

  /** A new store object over the same database (and table) as every other call in this test. */
  abstract NodeStore openStore();

  @Test
  void readsBackWhatItWrote() {
    NodeStore store = openStore();
    Map<Hash32, byte[]> nodes = nodes(0, 2_500); // more than one JDBC batch
    store.putAll(nodes);
    nodes.forEach((k, v) -> assertArrayEquals(v, store.get(k).orElseThrow()));
    assertTrue(store.get(Hash32.keccak(new byte[] {42, 42})).isEmpty());
  }

  @Test
  void insertIsIfAbsentAndOverlappingWritesSucceed() {
    NodeStore store = openStore();
    store.putAll(nodes(10_000, 100));
    store.putAll(nodes(10_050, 100)); // 50 already there
    store.putAll(nodes(10_000, 100)); // all already there
    NodeStore other = openStore(); // a second writer, as after a restart: the table exists
    other.putAll(nodes(10_000, 200));
    nodes(10_000, 200).forEach((k, v) -> assertArrayEquals(v, other.get(k).orElseThrow()));
  }

  @Test
  void stateSurvivesAReopenedStoreAndOldRootsStayOpen() {
    Credentials alice = Credentials.create(DevKeys.key(0));
    Address bob = Address.of("0x00000000000000000000000000000000000b0b00");
    BigInteger eth = BigInteger.TEN.pow(18);
    NodeStore store = new CachingNodeStore(openStore(), 1_000);
    Hash32 genesis = new Genesis(1001, Map.of(Txs.address(alice), new Account(0, eth.multiply(BigInteger.TEN))))
        .write(store);
    Executor executor = new Executor(store, new ChainConfig(1001));
    Hash32 root1 = executor.execute(genesis, new Batch(1, Txs.batch(Txs.legacy(alice, 1001, 0, 1, bob, eth)), 1,
        Address.ZERO)).stateRoot();
    Hash32 root2 = executor.execute(root1, new Batch(2, Txs.batch(Txs.legacy(alice, 1001, 1, 1, bob, eth)), 2,
        Address.ZERO)).stateRoot();

    NodeStore reopened = openStore(); // nothing cached: every node comes from the database
    assertEquals(new Account(0, eth), WorldState.open(reopened, root1).account(bob));
    assertEquals(new Account(0, eth.multiply(BigInteger.TWO)), WorldState.open(reopened, root2).account(bob));
    assertEquals(Account.EMPTY, WorldState.open(reopened, genesis).account(bob));
    // re-executing batch 2 from root 1 on the reopened store gives root 2 again
    assertEquals(root2, new Executor(reopened, new ChainConfig(1001)).execute(root1,
        new Batch(2, Txs.batch(Txs.legacy(alice, 1001, 1, 1, bob, eth)), 2, Address.ZERO)).stateRoot());
  }

  static Map<Hash32, byte[]> nodes(int from, int count) {
    Map<Hash32, byte[]> out = new HashMap<>();
    for (int i = from; i < from + count; i++) {
      byte[] node = ("node " + i + " " + "x".repeat(i % 50)).getBytes();
      out.put(Hash32.keccak(node), node);
    }
    return out;
  }
}
