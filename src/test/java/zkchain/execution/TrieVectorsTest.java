package zkchain.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.web3j.utils.Numeric;
import zkchain.protocol.Hash32;

/** Every vector of shared/testvectors/trie (ethereum/tests TrieTests), one dynamic test each. */
class TrieVectorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> plainTrie() throws IOException {
    JsonNode file = JSON.readTree(SharedDir.resolve("testvectors/trie/trietest.json").toFile());
    List<DynamicTest> tests = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = file.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> vector = it.next();
      tests.add(DynamicTest.dynamicTest(vector.getKey(), () -> {
        JsonNode steps = vector.getValue().get("in");
        Hash32 expected = Hash32.of(vector.getValue().get("root").asText());
        assertRoot(steps, expected, false);
      }));
    }
    assertTrue(tests.size() >= 4, "expected the four vectors of trietest.json");
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> secureTrie() throws IOException {
    JsonNode file = JSON.readTree(SharedDir.resolve("testvectors/trie/hex_encoded_securetrie_test.json").toFile());
    List<DynamicTest> tests = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = file.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> vector = it.next();
      tests.add(DynamicTest.dynamicTest(vector.getKey(), () -> {
        assertRoot(vector.getValue().get("data"), Hash32.of(vector.getValue().get("result").asText()), true);
      }));
    }
    assertTrue(!tests.isEmpty());
    return tests.stream();
  }

  /**
   * Inserts in order, then checks the root three ways: in memory, after a commit, and reopened
   * from the store by root, and that every surviving key reads back from the reopened trie.
   */
  private static void assertRoot(JsonNode steps, Hash32 expected, boolean secure) {
    InMemoryNodeStore store = new InMemoryNodeStore();
    MerklePatriciaTrie trie = MerklePatriciaTrie.empty(store);
    Map<String, byte[]> alive = new java.util.HashMap<>();
    for (JsonNode step : steps) {
      byte[] key = bytes(step.get(0).asText());
      if (secure) key = Hash32.keccak(key).bytes();
      JsonNode v = step.get(1);
      if (v.isNull()) {
        trie = trie.delete(key);
        alive.remove(Numeric.toHexString(key));
      } else {
        byte[] value = bytes(v.asText());
        trie = trie.put(key, value);
        alive.put(Numeric.toHexString(key), value);
      }
    }
    assertEquals(expected, trie.rootHash(), "root before commit");
    assertEquals(expected, trie.commit(), "root returned by commit");
    MerklePatriciaTrie reopened = MerklePatriciaTrie.open(store, expected);
    assertEquals(expected, reopened.rootHash(), "root reopened from the store");
    alive.forEach((k, v) -> assertEquals(Numeric.toHexString(v),
        Numeric.toHexString(reopened.get(Numeric.hexStringToByteArray(k)).orElseThrow()), "value of " + k));
  }

  /** The vectors' convention: 0x… is hex, anything else is its ASCII bytes. */
  private static byte[] bytes(String s) {
    return s.startsWith("0x") ? Numeric.hexStringToByteArray(s) : s.getBytes(StandardCharsets.US_ASCII);
  }
}
