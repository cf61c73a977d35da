package zkchain.execution;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;

/**
 * The accounts at one state root, with the changes of the batch being executed kept in memory
 * until {@link #commit()} writes them into the trie and the trie into the node store. Opening a
 * root reads nothing up front, so the state after any batch opens as cheaply as the latest.
 * Not thread-safe: one batch is applied by one thread.
 */
public final class WorldState {
  private final NodeStore store;
  private final Hash32 parentRoot;
  private MerklePatriciaTrie trie;
  /** Address → account as it was at the parent root, for every account read or written. */
  private final Map<Address, Account> before = new LinkedHashMap<>();
  /** Address → current account, for every account written since the last commit. */
  private final Map<Address, Account> dirty = new LinkedHashMap<>();
  private final Map<Address, Account> committedChanges = new LinkedHashMap<>();

  private WorldState(NodeStore store, Hash32 root) {
    this.store = store;
    this.parentRoot = root;
    this.trie = MerklePatriciaTrie.open(store, root);
  }

  /** The state at {@code root}; throws {@link MerklePatriciaTrie.MissingNodeException} if unknown. */
  public static WorldState open(NodeStore store, Hash32 root) {
    return new WorldState(store, root);
  }

  public Hash32 parentRoot() {
    return parentRoot;
  }

  /** The account, {@link Account#EMPTY} when absent. */
  public Account account(Address address) {
    Account current = dirty.get(address);
    if (current != null) return current;
    return before.computeIfAbsent(address, this::read);
  }

  /**
   * Writes an account a transaction touched. Every write here is a touch, so an account left
   * empty is removed (EIP-161) rather than stored.
   */
  public void touch(Address address, Account account) {
    before.computeIfAbsent(address, this::read);
    dirty.put(address, Objects.requireNonNull(account));
  }

  /** Applies the pending writes to the trie, persists the new nodes and returns the state root. */
  public Hash32 commit() {
    MerklePatriciaTrie t = trie;
    for (Map.Entry<Address, Account> e : dirty.entrySet()) {
      byte[] key = Hash32.keccak(e.getKey().bytes()).bytes();
      t = e.getValue().isEmpty() ? t.delete(key) : t.put(key, e.getValue().encode());
    }
    committedChanges.putAll(dirty);
    dirty.clear();
    trie = t;
    return t.commit();
  }

  /** The root of the committed state, without writing. */
  public Hash32 root() {
    return trie.rootHash();
  }

  /**
   * Accounts whose committed value differs from the parent root's, with both values, in the
   * order first touched; {@link Account#EMPTY} stands for an absent account.
   */
  public Map<Address, AccountChange> changes() {
    Map<Address, AccountChange> out = new LinkedHashMap<>();
    committedChanges.forEach((address, after) -> {
      Account was = before.get(address);
      if (!was.equals(after)) out.put(address, new AccountChange(address, was, after));
    });
    return Collections.unmodifiableMap(out);
  }

  private Account read(Address address) {
    return trie.get(Hash32.keccak(address.bytes()).bytes()).map(Account::decode).orElse(Account.EMPTY);
  }

  /** One account's value before and after a batch. */
  public record AccountChange(Address address, Account before, Account after) {}
}
