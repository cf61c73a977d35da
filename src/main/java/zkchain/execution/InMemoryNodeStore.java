package zkchain.execution;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import zkchain.protocol.Hash32;

/** A node store in the heap: tests, benchmarks and throw-away execution. */
public final class InMemoryNodeStore implements NodeStore {
  private final Map<Hash32, byte[]> nodes = new ConcurrentHashMap<>();

  @Override
  public Optional<byte[]> get(Hash32 hash) {
    return Optional.ofNullable(nodes.get(hash));
  }

  @Override
  public void putAll(Map<Hash32, byte[]> batch) {
    batch.forEach(nodes::putIfAbsent);
  }

  public int size() {
    return nodes.size();
  }
}
