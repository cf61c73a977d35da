package zkchain.execution;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import zkchain.protocol.Hash32;
import zkchain.protocol.Rlp;

/**
 * Ethereum's Merkle Patricia Trie (Yellow Paper, appendix D): hex-prefix paths, RLP nodes, a child
 * whose encoding is shorter than 32 bytes embedded in its parent, root = keccak(root node).
 *
 * <p>Persistent: {@link #put} and {@link #delete} return a new trie sharing every untouched node
 * with this one, and nodes live in a content-addressed {@link NodeStore} by hash. Opening a root
 * loads nothing; nodes are read from the store as paths are walked, so a trie of any size opens
 * in constant time and one batch touches only its own paths. Keys are raw bytes; the world state
 * hashes them first ({@link WorldState}, the "secure" trie).
 */
public final class MerklePatriciaTrie {
  /** keccak(rlp("")): the root of the empty trie. */
  public static final Hash32 EMPTY_ROOT =
      Hash32.of("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

  private final NodeStore store;
  private final Node root; // null: the empty trie

  private MerklePatriciaTrie(NodeStore store, Node root) {
    this.store = store;
    this.root = root;
  }

  public static MerklePatriciaTrie empty(NodeStore store) {
    return new MerklePatriciaTrie(store, null);
  }

  /** The trie with this root; fails at once if the store lacks the root node. */
  public static MerklePatriciaTrie open(NodeStore store, Hash32 root) {
    if (root.equals(EMPTY_ROOT)) return empty(store);
    HashNode node = new HashNode(root);
    node.resolve(store);
    return new MerklePatriciaTrie(store, node);
  }

  public Optional<byte[]> get(byte[] key) {
    byte[] path = nibbles(key);
    Node node = root;
    int pos = 0;
    while (node != null) {
      node = resolved(node);
      if (node instanceof Leaf leaf) {
        return matchesAt(leaf.path, path, pos) && pos + leaf.path.length == path.length
            ? Optional.of(leaf.value.clone()) : Optional.empty();
      } else if (node instanceof Extension ext) {
        if (!matchesAt(ext.path, path, pos)) return Optional.empty();
        pos += ext.path.length;
        node = ext.child;
      } else {
        Branch branch = (Branch) node;
        if (pos == path.length) return Optional.ofNullable(branch.value).map(byte[]::clone);
        node = branch.children[path[pos++]];
      }
    }
    return Optional.empty();
  }

  /**
   * The proof of {@code key} (EIP-1186's accountProof): the RLP of every node on its path that is
   * referred to by hash, from the root down to the leaf, or to where the path ends for an absent
   * key. A node shorter than 32 bytes sits inside its parent's RLP and is not listed apart.
   */
  public List<byte[]> proof(byte[] key) {
    List<byte[]> out = new ArrayList<>();
    byte[] path = nibbles(key);
    Node node = root;
    int pos = 0;
    boolean top = true;
    while (node != null) {
      if (node instanceof HashNode h) {
        out.add(store.get(h.hash).orElseThrow(() -> new MissingNodeException(h.hash)));
        node = h.resolve(store);
      } else if (top || node.encoded().length >= 32) {
        out.add(node.encoded().clone());
      }
      top = false;
      if (node instanceof Leaf) {
        break;
      } else if (node instanceof Extension ext) {
        if (!matchesAt(ext.path, path, pos)) break;
        pos += ext.path.length;
        node = ext.child;
      } else {
        Branch branch = (Branch) node;
        if (pos == path.length) break;
        node = branch.children[path[pos++]];
      }
    }
    return out;
  }

  /** Sets {@code key} to {@code value}; an empty value deletes the key, as in Ethereum. */
  public MerklePatriciaTrie put(byte[] key, byte[] value) {
    if (value.length == 0) return delete(key);
    return new MerklePatriciaTrie(store, insert(root, nibbles(key), 0, value.clone()));
  }

  public MerklePatriciaTrie delete(byte[] key) {
    Node newRoot = remove(root, nibbles(key), 0);
    return newRoot == root ? this : new MerklePatriciaTrie(store, newRoot);
  }

  /** The root hash, computed without writing anything. */
  public Hash32 rootHash() {
    if (root == null) return EMPTY_ROOT;
    if (root instanceof HashNode h) return h.hash;
    return root.hash();
  }

  /** Writes every node not yet in the store in one {@link NodeStore#putAll}; returns the root. */
  public Hash32 commit() {
    if (root == null) return EMPTY_ROOT;
    Map<Hash32, byte[]> fresh = new HashMap<>();
    List<Node> written = new ArrayList<>();
    collectUnstored(root, true, fresh, written);
    // a short root is otherwise only ever written embedded in a parent; opening it needs it by hash
    if (!(root instanceof HashNode) && root.encoded().length < 32) fresh.put(root.hash(), root.encoded());
    if (!fresh.isEmpty()) store.putAll(fresh);
    for (Node n : written) n.stored = true;
    return rootHash();
  }

  // ---- insertion ----

  private Node insert(Node node, byte[] path, int pos, byte[] value) {
    if (node == null) return new Leaf(Arrays.copyOfRange(path, pos, path.length), value);
    node = resolved(node);
    if (node instanceof Leaf leaf) {
      int common = commonPrefix(leaf.path, path, pos);
      if (common == leaf.path.length && pos + common == path.length) return new Leaf(leaf.path, value);
      Branch branch = new Branch();
      branch.place(leaf.path, common, leaf.value, null);
      branch.place(Arrays.copyOfRange(path, pos, path.length), common, value, null);
      return withPrefix(leaf.path, common, branch);
    }
    if (node instanceof Extension ext) {
      int common = commonPrefix(ext.path, path, pos);
      if (common == ext.path.length) {
        return new Extension(ext.path, insert(ext.child, path, pos + common, value));
      }
      Branch branch = new Branch();
      branch.place(ext.path, common, null, ext.child);
      branch.place(Arrays.copyOfRange(path, pos, path.length), common, value, null);
      return withPrefix(ext.path, common, branch);
    }
    Branch old = (Branch) node;
    Branch branch = old.copy();
    if (pos == path.length) {
      branch.value = value;
    } else {
      branch.children[path[pos]] = insert(old.children[path[pos]], path, pos + 1, value);
    }
    return branch;
  }

  private static Node withPrefix(byte[] path, int length, Branch branch) {
    return length == 0 ? branch : new Extension(Arrays.copyOf(path, length), branch);
  }

  // ---- deletion ----

  /** Returns {@code node} itself when the key is absent, so callers can tell nothing changed. */
  private Node remove(Node node, byte[] path, int pos) {
    if (node == null) return null;
    Node n = resolved(node);
    if (n instanceof Leaf leaf) {
      boolean hit = matchesAt(leaf.path, path, pos) && pos + leaf.path.length == path.length;
      return hit ? null : node;
    }
    if (n instanceof Extension ext) {
      if (!matchesAt(ext.path, path, pos)) return node;
      Node child = remove(ext.child, path, pos + ext.path.length);
      if (child == ext.child) return node;
      return child == null ? null : joinPaths(ext.path, child);
    }
    Branch old = (Branch) n;
    Branch branch = old.copy();
    if (pos == path.length) {
      if (old.value == null) return node;
      branch.value = null;
    } else {
      Node child = remove(old.children[path[pos]], path, pos + 1);
      if (child == old.children[path[pos]]) return node;
      branch.children[path[pos]] = child;
    }
    return collapse(branch);
  }

  /** A branch left with one entry is no longer a valid node: fold it into its neighbour. */
  private Node collapse(Branch branch) {
    int only = -1;
    int count = 0;
    for (int i = 0; i < 16; i++) {
      if (branch.children[i] != null) {
        only = i;
        count++;
      }
    }
    if (count + (branch.value == null ? 0 : 1) > 1) return branch;
    if (count == 0) return branch.value == null ? null : new Leaf(new byte[0], branch.value);
    return joinPaths(new byte[] {(byte) only}, branch.children[only]);
  }

  /** The node reached by {@code prefix} then {@code child}, with no extension pointing at a short node. */
  private Node joinPaths(byte[] prefix, Node child) {
    Node c = resolved(child);
    if (c instanceof Leaf leaf) return new Leaf(concat(prefix, leaf.path), leaf.value);
    if (c instanceof Extension ext) return new Extension(concat(prefix, ext.path), ext.child);
    return new Extension(prefix, child);
  }

  // ---- persistence ----

  private void collectUnstored(Node node, boolean isRoot, Map<Hash32, byte[]> out, List<Node> written) {
    if (node == null || node instanceof HashNode || node.stored) return;
    if (node instanceof Extension ext) {
      collectUnstored(ext.child, false, out, written);
    } else if (node instanceof Branch branch) {
      for (Node child : branch.children) collectUnstored(child, false, out, written);
    }
    byte[] encoded = node.encoded();
    // short nodes live inside their parent's encoding; the root is always addressable by its hash
    if (encoded.length >= 32 || isRoot) out.put(node.hash(), encoded);
    written.add(node);
  }

  private Node resolved(Node node) {
    return node instanceof HashNode h ? h.resolve(store) : node;
  }

  /** Thrown when a root or node is referenced but not in the store: the store is incomplete. */
  public static final class MissingNodeException extends IllegalStateException {
    MissingNodeException(Hash32 hash) {
      super("trie node " + hash + " is not in the node store");
    }
  }

  // ---- nodes ----

  /** Memo fields: an immutable node computes its encoding and hash once and is written once. */
  private abstract static sealed class Node permits Leaf, Extension, Branch, HashNode {
    private byte[] encoded;
    private Hash32 hash;
    boolean stored;

    abstract byte[] encode();

    final byte[] encoded() {
      if (encoded == null) encoded = encode();
      return encoded;
    }

    final Hash32 hash() {
      if (hash == null) hash = Hash32.keccak(encoded());
      return hash;
    }

    /** How a parent refers to this node: embedded when short, else by hash. */
    byte[] reference() {
      byte[] enc = encoded();
      return enc.length < 32 ? enc : Rlp.encodeString(hash().bytes());
    }
  }

  private static final class Leaf extends Node {
    final byte[] path;
    final byte[] value;

    Leaf(byte[] path, byte[] value) {
      this.path = path;
      this.value = value;
    }

    @Override
    byte[] encode() {
      return Rlp.encodeList(Rlp.encodeString(hexPrefix(path, true)), Rlp.encodeString(value));
    }
  }

  private static final class Extension extends Node {
    final byte[] path;
    final Node child;

    Extension(byte[] path, Node child) {
      this.path = path;
      this.child = child;
    }

    @Override
    byte[] encode() {
      return Rlp.encodeList(Rlp.encodeString(hexPrefix(path, false)), child.reference());
    }
  }

  private static final class Branch extends Node {
    final Node[] children = new Node[16];
    byte[] value; // null: no value; set only while the branch is being built

    Branch copy() {
      Branch b = new Branch();
      System.arraycopy(children, 0, b.children, 0, 16);
      b.value = value;
      return b;
    }

    /** Hangs {@code path[from..]} below this branch: as its value, a child, or a shortened node. */
    void place(byte[] path, int from, byte[] leafValue, Node extensionChild) {
      if (from == path.length) {
        // only a leaf can end exactly here: an extension always has at least one nibble left
        value = leafValue;
        return;
      }
      byte[] rest = Arrays.copyOfRange(path, from + 1, path.length);
      children[path[from]] = leafValue != null ? new Leaf(rest, leafValue)
          : rest.length == 0 ? extensionChild : new Extension(rest, extensionChild);
    }

    @Override
    byte[] encode() {
      List<byte[]> items = new ArrayList<>(17);
      for (Node child : children) items.add(child == null ? Rlp.encodeString(new byte[0]) : child.reference());
      items.add(Rlp.encodeString(value == null ? new byte[0] : value));
      return Rlp.encodeList(items);
    }
  }

  /** A node known by hash only, loaded from the store on first use. */
  private static final class HashNode extends Node {
    final Hash32 hash;
    private Node loaded;

    HashNode(Hash32 hash) {
      this.hash = hash;
      this.stored = true;
    }

    Node resolve(NodeStore store) {
      if (loaded == null) {
        byte[] bytes = store.get(hash).orElseThrow(() -> new MissingNodeException(hash));
        loaded = decode(Rlp.decode(bytes));
      }
      return loaded;
    }

    @Override
    byte[] encode() {
      throw new IllegalStateException("a hash node is never encoded: its parent refers to it by hash");
    }

    @Override
    byte[] reference() {
      return Rlp.encodeString(hash.bytes());
    }
  }

  /** Decodes a stored node (and its embedded children); everything decoded is already stored. */
  private static Node decode(Rlp.Item item) {
    List<Rlp.Item> items = Rlp.list(item, "trie node").items();
    Node node;
    if (items.size() == 17) {
      Branch branch = new Branch();
      for (int i = 0; i < 16; i++) branch.children[i] = decodeReference(items.get(i));
      byte[] value = Rlp.bytes(items.get(16), "branch value");
      branch.value = value.length == 0 ? null : value;
      node = branch;
    } else if (items.size() == 2) {
      byte[] encodedPath = Rlp.bytes(items.get(0), "node path");
      byte[] path = hexPrefixPath(encodedPath);
      node = isLeaf(encodedPath) ? new Leaf(path, Rlp.bytes(items.get(1), "leaf value"))
          : new Extension(path, decodeReference(items.get(1)));
    } else {
      throw new IllegalStateException("trie node with " + items.size() + " items");
    }
    node.stored = true;
    return node;
  }

  private static Node decodeReference(Rlp.Item item) {
    if (item instanceof Rlp.Lst) return decode(item);
    byte[] ref = Rlp.bytes(item, "child reference");
    if (ref.length == 0) return null;
    if (ref.length != 32) throw new IllegalStateException("child reference of " + ref.length + " bytes");
    return new HashNode(new Hash32(ref));
  }

  // ---- paths ----

  static byte[] nibbles(byte[] key) {
    byte[] out = new byte[key.length * 2];
    for (int i = 0; i < key.length; i++) {
      out[2 * i] = (byte) ((key[i] >> 4) & 0xf);
      out[2 * i + 1] = (byte) (key[i] & 0xf);
    }
    return out;
  }

  /** Hex-prefix encoding: flag nibble (2 = leaf, +1 = odd length), then the nibbles packed. */
  static byte[] hexPrefix(byte[] path, boolean leaf) {
    int flag = (leaf ? 2 : 0) + (path.length % 2);
    byte[] out = new byte[path.length / 2 + 1];
    int i = 0;
    if (path.length % 2 == 1) {
      out[0] = (byte) (flag << 4 | path[0]);
      i = 1;
    } else {
      out[0] = (byte) (flag << 4);
    }
    for (int o = 1; i < path.length; i += 2, o++) out[o] = (byte) (path[i] << 4 | path[i + 1]);
    return out;
  }

  private static boolean isLeaf(byte[] encodedPath) {
    return encodedPath.length > 0 && ((encodedPath[0] >> 4) & 0x2) != 0;
  }

  private static byte[] hexPrefixPath(byte[] encoded) {
    if (encoded.length == 0) throw new IllegalStateException("empty hex-prefix path");
    int flag = (encoded[0] >> 4) & 0xf;
    if (flag > 3) throw new IllegalStateException("hex-prefix flag " + flag);
    boolean odd = (flag & 1) != 0;
    byte[] rest = nibbles(Arrays.copyOfRange(encoded, 1, encoded.length));
    if (!odd) return rest;
    byte[] out = new byte[rest.length + 1];
    out[0] = (byte) (encoded[0] & 0xf);
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }

  private static int commonPrefix(byte[] nodePath, byte[] path, int pos) {
    int max = Math.min(nodePath.length, path.length - pos);
    int i = 0;
    while (i < max && nodePath[i] == path[pos + i]) i++;
    return i;
  }

  private static boolean matchesAt(byte[] nodePath, byte[] path, int pos) {
    return path.length - pos >= nodePath.length && commonPrefix(nodePath, path, pos) == nodePath.length;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
