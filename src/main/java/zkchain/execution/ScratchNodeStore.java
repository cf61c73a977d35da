package zkchain.execution;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import zkchain.protocol.Hash32;

/**
 * A node store layered on another that it never writes: new nodes stay in memory, reads look
 * there first and fall through. Re-executing a batch on a running node's store, or replaying a
 * journal against it, then leaves the store as it was.
 */
public final class ScratchNodeStore implements NodeStore {
  private final NodeStore under;
  private final Map<Hash32, byte[]> written = new HashMap<>();

  public ScratchNodeStore(NodeStore under) {
    this.under = under;
  }

  @Override
  public Optional<byte[]> get(Hash32 hash) {
    byte[] node;
    synchronized (written) {
      node = written.get(hash);
    }
    return node != null ? Optional.of(node) : under.get(hash);
  }

  @Override
  public void putAll(Map<Hash32, byte[]> nodes) {
    synchronized (written) {
      nodes.forEach(written::putIfAbsent);
    }
  }

  /** Nodes held in memory. */
  public int size() {
    synchronized (written) {
      return written.size();
    }
  }

  /** Forgets the nodes written so far: once the store beneath has the root they make, they are not needed. */
  public void clear() {
    synchronized (written) {
      written.clear();
    }
  }
}
