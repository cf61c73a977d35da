package zkchain.execution;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import zkchain.protocol.Hash32;

/**
 * A bounded LRU cache in front of another store. Nodes never change, so the cache needs no
 * invalidation: it holds recently read and recently written nodes, which are the ones the next
 * batch touches.
 */
public final class CachingNodeStore implements NodeStore {
  private final NodeStore backing;
  private final Map<Hash32, byte[]> lru;

  public CachingNodeStore(NodeStore backing, int maxNodes) {
    if (maxNodes <= 0) throw new IllegalArgumentException("cache size must be positive, got " + maxNodes);
    this.backing = backing;
    this.lru = new LinkedHashMap<>(Math.min(maxNodes, 1 << 16), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Hash32, byte[]> eldest) {
        return size() > maxNodes;
      }
    };
  }

  @Override
  public Optional<byte[]> get(Hash32 hash) {
    synchronized (lru) {
      byte[] cached = lru.get(hash);
      if (cached != null) return Optional.of(cached);
    }
    Optional<byte[]> loaded = backing.get(hash);
    loaded.ifPresent(node -> {
      synchronized (lru) {
        lru.put(hash, node);
      }
    });
    return loaded;
  }

  @Override
  public void putAll(Map<Hash32, byte[]> nodes) {
    // write through first: the cache must never hold a node the backing store lacks
    backing.putAll(nodes);
    synchronized (lru) {
      lru.putAll(nodes);
    }
  }

  public int cachedNodes() {
    synchronized (lru) {
      return lru.size();
    }
  }
}
