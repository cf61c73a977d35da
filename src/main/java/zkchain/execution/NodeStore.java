package zkchain.execution;

import java.util.Map;
import java.util.Optional;
import zkchain.protocol.Hash32;

/**
 * Content-addressed storage of trie nodes: keccak(encoded node) → encoded node. Nodes are never
 * changed, so every state root committed stays openable and re-executing a batch from its parent
 * root copies nothing; only the pruner ({@code zkchain.state.keep-roots}) deletes nodes, those
 * that no root it keeps reaches.
 */
public interface NodeStore {

  Optional<byte[]> get(Hash32 hash);

  /** Stores the nodes; a node already present is left as it is (same key, same content). */
  void putAll(Map<Hash32, byte[]> nodes);
}
