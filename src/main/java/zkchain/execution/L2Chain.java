package zkchain.execution;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Batch;
import zkchain.protocol.Hash32;

/**
 * The batches as the Ethereum chain of PROTOCOL.md §8: block n for the current version of batch n,
 * built by executing the batch again on its parent's root (which transactions were applied is not
 * kept anywhere else), with its parent's hash. accInputHash(n) names batch n and every batch
 * before it, and execution is deterministic, so a block's hash is known for good once computed
 * for an accInputHash: {@link BlockHashes} keeps them, and a block needs only its parent's hash
 * and one execution. A trusted reorg changes the accInputHash, hence the block and every block
 * after it. Thread-safe; blocks are built one at a time.
 */
public final class L2Chain {
  /** The current version of each batch, as the role holding them knows it. */
  public interface Batches {
    Optional<Entry> batch(long number);
  }

  /** A batch with the roots its role computed for it. */
  public record Entry(Batch batch, Hash32 stateRoot, Hash32 accInputHash) {}

  /** A block with the execution that decided its transactions. */
  public record Block(L2Block block, ExecutionResult execution, Entry entry) {
    public long number() {
      return block.number();
    }

    public Hash32 hash() {
      return block.hash();
    }

    /** The applied transaction with this hash, with its index in the block. */
    public Optional<L2Block.Included> transaction(Hash32 hash) {
      return block.transactions().stream().filter(t -> t.transaction().hash().equals(hash)).findFirst();
    }

    /** What became of the batch's transaction with this hash, applied or skipped. */
    public Optional<TransactionOutcome> outcome(Hash32 hash) {
      return execution == null ? Optional.empty()
          : execution.outcomes().stream().filter(o -> o.hash().equals(hash)).findFirst();
    }
  }

  private static final int RECENT_BLOCKS = 256;

  private final Batches batches;
  private final NodeStore store;
  private final ChainConfig chain;
  private final Block genesis;
  private final BlockHashes hashes;
  private final Map<Long, Block> recent = new LinkedHashMap<>(RECENT_BLOCKS, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Block> eldest) {
      return size() > RECENT_BLOCKS;
    }
  };

  /**
   * @param store the role's node store; execution here writes nothing into it (an overlay in
   *     memory takes the new nodes), as every root it would write is already there
   */
  public L2Chain(Batches batches, NodeStore store, ChainConfig chain, Hash32 genesisRoot, BlockHashes hashes) {
    this.batches = batches;
    this.store = store;
    this.chain = chain;
    this.hashes = hashes;
    L2Block genesisBlock = L2Block.genesis(genesisRoot);
    this.genesis = new Block(genesisBlock, null, new Entry(null, genesisRoot, AccInputHash.GENESIS));
  }

  public Block genesis() {
    return genesis;
  }

  /** Block {@code number}, for the batch's current version; empty when the batch is unknown. */
  public synchronized Optional<Block> block(long number) {
    if (number < 0) return Optional.empty();
    if (number == 0) return Optional.of(genesis);
    Optional<Entry> entry = batches.batch(number);
    if (entry.isEmpty()) return Optional.empty();
    return Optional.of(build(entry.get()));
  }

  /** The block with this hash, when it is the current version of its batch. */
  public synchronized Optional<Block> blockByHash(Hash32 hash) {
    if (hash.equals(genesis.hash())) return Optional.of(genesis);
    for (BlockHashes.Known known : hashes.byHash(hash)) {
      Optional<Entry> entry = batches.batch(known.number());
      if (entry.isPresent() && entry.get().accInputHash().equals(known.accInputHash())) {
        return Optional.of(build(entry.get()));
      }
    }
    return Optional.empty();
  }

  private Block build(Entry entry) {
    long number = entry.batch().number();
    Block cached = recent.get(number);
    if (cached != null && cached.entry().accInputHash().equals(entry.accInputHash())) return cached;
    // the parent's hash: the nearest ancestor whose hash is known, then every block after it built in turn
    Deque<Entry> toBuild = new ArrayDeque<>();
    toBuild.push(entry);
    Hash32 parentHash = null;
    for (long n = number - 1; parentHash == null; n--) {
      Entry e = n == 0 ? genesis.entry() : batches.batch(n).orElseThrow(() -> new IllegalStateException(
          "batch " + entry.batch().number() + " is known but an earlier batch is not: no block without its parent"));
      Optional<Hash32> known = n == 0 ? Optional.of(genesis.hash()) : knownHash(n, e.accInputHash());
      if (known.isPresent()) {
        parentHash = known.get();
      } else {
        toBuild.push(e);
      }
    }
    Block block = null;
    long first = toBuild.peek().batch().number();
    Hash32 parentRoot = first == 1 ? genesis.entry().stateRoot()
        : batches.batch(first - 1).map(Entry::stateRoot).orElseThrow();
    while (!toBuild.isEmpty()) {
      Entry e = toBuild.pop();
      block = execute(parentHash, parentRoot, e);
      parentHash = block.hash();
      parentRoot = e.stateRoot();
    }
    return block;
  }

  private Optional<Hash32> knownHash(long number, Hash32 accInputHash) {
    Block cached = recent.get(number);
    if (cached != null && cached.entry().accInputHash().equals(accInputHash)) return Optional.of(cached.hash());
    return hashes.get(number, accInputHash);
  }

  private Block execute(Hash32 parentHash, Hash32 parentRoot, Entry entry) {
    ExecutionResult result = new Executor(new Overlay(store), chain).execute(parentRoot, entry.batch());
    if (!result.stateRoot().equals(entry.stateRoot())) {
      throw new IllegalStateException("batch " + entry.batch().number() + " executes to state root "
          + result.stateRoot() + " here, not the " + entry.stateRoot() + " recorded for it");
    }
    L2Block l2 = L2Block.of(parentHash, entry.batch(), result, entry.accInputHash(), chain.chainId());
    Block block = new Block(l2, result, entry);
    hashes.put(entry.batch().number(), entry.accInputHash(), l2.hash());
    recent.put(entry.batch().number(), block);
    return block;
  }

  /** Reads through to the role's store; keeps what execution writes in memory, for this block only. */
  private static final class Overlay implements NodeStore {
    private final NodeStore backing;
    private final InMemoryNodeStore written = new InMemoryNodeStore();

    Overlay(NodeStore backing) {
      this.backing = backing;
    }

    @Override
    public Optional<byte[]> get(Hash32 hash) {
      Optional<byte[]> mine = written.get(hash);
      return mine.isPresent() ? mine : backing.get(hash);
    }

    @Override
    public void putAll(Map<Hash32, byte[]> nodes) {
      written.putAll(nodes);
    }
  }
}
