package zkchain.execution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import zkchain.protocol.Hash32;

/** Properties beyond the shared vectors: history independence and editing a trie reopened by root. */
class MerklePatriciaTrieTest {

  @Test
  void rootDependsOnContentNotHistory() {
    Random random = new Random(1);
    InMemoryNodeStore store = new InMemoryNodeStore();
    MerklePatriciaTrie trie = MerklePatriciaTrie.empty(store);
    Map<String, byte[]> content = new HashMap<>();
    List<byte[]> keys = new ArrayList<>();
    for (int round = 0; round < 30; round++) {
      for (int i = 0; i < 100; i++) {
        byte[] key = new byte[1 + random.nextInt(4)]; // short keys: prefixes of each other, values in branches
        random.nextBytes(key);
        if (random.nextInt(3) == 0 && !keys.isEmpty()) {
          byte[] victim = keys.remove(random.nextInt(keys.size()));
          trie = trie.delete(victim);
          content.remove(hex(victim));
        } else {
          byte[] value = new byte[1 + random.nextInt(40)];
          random.nextBytes(value);
          trie = trie.put(key, value);
          content.put(hex(key), value);
          keys.add(key);
        }
      }
      // commit and continue from the reopened root: later edits walk nodes loaded by hash
      Hash32 root = trie.commit();
      trie = MerklePatriciaTrie.open(store, root);
      assertEquals(root, rebuilt(content, random).rootHash(), "round " + round);
      for (Map.Entry<String, byte[]> e : content.entrySet()) {
        assertArrayEquals(e.getValue(), trie.get(org.web3j.utils.Numeric.hexStringToByteArray(e.getKey())).orElseThrow());
      }
    }
  }

  @Test
  void deletingEverythingGivesTheEmptyRoot() {
    InMemoryNodeStore store = new InMemoryNodeStore();
    MerklePatriciaTrie trie = MerklePatriciaTrie.empty(store);
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      byte[] key = Hash32.keccak(new byte[] {(byte) i, (byte) (i >> 8)}).bytes();
      keys.add(key);
      trie = trie.put(key, new byte[] {1, (byte) i});
    }
    trie = MerklePatriciaTrie.open(store, trie.commit());
    Collections.shuffle(keys, new Random(2));
    for (byte[] key : keys) trie = trie.delete(key);
    assertEquals(MerklePatriciaTrie.EMPTY_ROOT, trie.rootHash());
    assertTrue(trie.get(keys.get(0)).isEmpty());
  }

  @Test
  void aShortRootIsOpenableByItsHash() {
    InMemoryNodeStore store = new InMemoryNodeStore();
    Hash32 root = MerklePatriciaTrie.empty(store).put(new byte[] {1}, new byte[] {2}).commit();
    assertArrayEquals(new byte[] {2}, MerklePatriciaTrie.open(store, root).get(new byte[] {1}).orElseThrow());
    // the same short node, first written embedded in a bigger trie, then the whole trie
    MerklePatriciaTrie two = MerklePatriciaTrie.empty(store).put(new byte[] {0x10}, new byte[] {3})
        .put(new byte[] {0x20}, new byte[] {4});
    two.commit();
    Hash32 one = two.delete(new byte[] {0x20}).commit();
    assertArrayEquals(new byte[] {3}, MerklePatriciaTrie.open(store, one).get(new byte[] {0x10}).orElseThrow());
  }

  @Test
  void unknownRootFailsAtOnce() {
    assertThrows(MerklePatriciaTrie.MissingNodeException.class,
        () -> MerklePatriciaTrie.open(new InMemoryNodeStore(), Hash32.keccak(new byte[] {7})));
  }

  private static MerklePatriciaTrie rebuilt(Map<String, byte[]> content, Random random) {
    List<Map.Entry<String, byte[]>> entries = new ArrayList<>(content.entrySet());
    Collections.shuffle(entries, random);
    MerklePatriciaTrie t = MerklePatriciaTrie.empty(new InMemoryNodeStore());
    for (Map.Entry<String, byte[]> e : entries) t = t.put(org.web3j.utils.Numeric.hexStringToByteArray(e.getKey()), e.getValue());
    return t;
  }

  private static String hex(byte[] b) {
    return org.web3j.utils.Numeric.toHexString(b);
  }
}
