package zkchain.execution;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import zkchain.protocol.Hash32;
import zkchain.protocol.Rlp;

/**
 * The stored nodes a state root reaches: the walk the pruner marks with, a snapshot exports and
 * an import checks. Children embedded in their parent (shorter than 32 bytes) are part of it and
 * not stored apart; accounts carry no storage in version 1, so leaves end the walk.
 */
public final class TrieNodes {
  private TrieNodes() {}

  /** Thrown when a root reaches a node the store lacks. */
  public static final class MissingNode extends IllegalStateException {
    public final Hash32 hash;

    MissingNode(Hash32 hash, Hash32 root) {
      super("trie node " + hash + " reachable from root " + root + " is not in the store");
      this.hash = hash;
    }
  }

  /**
   * Visits every stored node reachable from {@code root} whose hash is not in {@code seen} yet,
   * adding it there: walking several roots with one set visits each shared node once.
   *
   * @throws MissingNode when a reachable node is not in the store
   */
  public static void walk(NodeStore store, Hash32 root, Set<Hash32> seen, BiConsumer<Hash32, byte[]> visit) {
    if (root.equals(MerklePatriciaTrie.EMPTY_ROOT)) return;
    Deque<Hash32> pending = new ArrayDeque<>();
    pending.push(root);
    while (!pending.isEmpty()) {
      Hash32 hash = pending.pop();
      if (!seen.add(hash)) continue;
      byte[] node = store.get(hash).orElseThrow(() -> new MissingNode(hash, root));
      visit.accept(hash, node);
      children(Rlp.decode(node), pending);
    }
  }

  /** Pushes the hashes a node (and the nodes embedded in it) refers to. */
  static void children(Rlp.Item item, Deque<Hash32> out) {
    List<Rlp.Item> items = Rlp.list(item, "trie node").items();
    if (items.size() == 17) {
      for (int i = 0; i < 16; i++) reference(items.get(i), out);
    } else if (items.size() == 2) {
      byte[] path = Rlp.bytes(items.get(0), "node path");
      boolean leaf = path.length > 0 && ((path[0] >> 4) & 0xf) >= 2;
      if (!leaf) reference(items.get(1), out);
    } else {
      throw new IllegalStateException("trie node with " + items.size() + " items");
    }
  }

  private static void reference(Rlp.Item item, Deque<Hash32> out) {
    if (item instanceof Rlp.Lst) {
      children(item, out); // embedded: its own children are stored
      return;
    }
    byte[] ref = Rlp.bytes(item, "child reference");
    if (ref.length == 32) out.push(new Hash32(ref));
  }
}
