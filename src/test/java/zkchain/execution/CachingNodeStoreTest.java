package zkchain.execution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import zkchain.protocol.Hash32;

class CachingNodeStoreTest {
  @Test
  void staysWithinItsBoundAndReadsThrough() {
    InMemoryNodeStore backing = new InMemoryNodeStore();
    CachingNodeStore cache = new CachingNodeStore(backing, 100);
    Map<Hash32, byte[]> nodes = NodeStoreContract.nodes(0, 1_000);
    cache.putAll(nodes);
    assertEquals(1_000, backing.size(), "written through");
    assertTrue(cache.cachedNodes() <= 100);
    nodes.forEach((k, v) -> assertArrayEquals(v, cache.get(k).orElseThrow()));
    assertTrue(cache.cachedNodes() <= 100);
    assertTrue(cache.get(Hash32.keccak(new byte[] {1})).isEmpty());
  }
}
