package zkchain.derive;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.response.EthBlock;
import zkchain.l1.RollupEvent;
import zkchain.l1.ZkChainRollup;

/**
 * Follows L1 up to the configured finality, one range of blocks at a time, and reads the rollup's
 * events in each range with one eth_getLogs. Before reading further it checks that the last
 * block it processed is still on L1; when it is not, it walks back over the blocks it kept to
 * the newest one still on L1 (the common ancestor) and reports the blocks above it as orphaned.
 *
 * <p>Blocking (web3j); the ingest stream calls it on the blocking dispatcher. Not thread-safe:
 * one stream owns one traversal.
 */
public final class L1Traversal {
  public record Settings(L1Finality finality, int chunkSize, int reorgWindow) {
    /** From the {@code zkchain.l1} section. */
    public static Settings from(com.typesafe.config.Config l1) {
      return new Settings(L1Finality.from(l1), l1.getInt("logs-chunk-size"), l1.getInt("reorg-window"));
    }
  }

  private final Web3j web3j;
  private final ZkChainRollup rollup;
  private final Settings settings;
  private L1Chain chain;
  private long finalized;

  public L1Traversal(Web3j web3j, ZkChainRollup rollup, Settings settings, L1Chain chain) {
    this.web3j = web3j;
    this.rollup = rollup;
    this.settings = settings;
    this.chain = chain;
  }

  public L1Step next() throws IOException {
    L1Block tip = chain.tip();
    Optional<L1Block> canonicalTip = block(DefaultBlockParameter.valueOf(BigInteger.valueOf(tip.number())));
    if (canonicalTip.isEmpty() || !canonicalTip.get().hash().equals(tip.hash())) return reorg();

    L1Block tagged = block(DefaultBlockParameter.valueOf(settings.finality().tag()))
        .orElseThrow(() -> new IOException("L1 has no '" + settings.finality().tag() + "' block"));
    long target = settings.finality().target(tagged.number());
    finalized = target;
    long head = settings.finality().kind() == L1Finality.Kind.LATEST ? tagged.number() : latestNumber();
    if (target <= tip.number()) return new L1Step.Idle(chain, head);

    long from = tip.number();
    long to = Math.min(target, from + settings.chunkSize());
    // The range's last block is fixed before its logs are read and checked after: logs read across
    // an L1 reorg would otherwise be recorded under a block hash they do not belong to.
    L1Block last = block(DefaultBlockParameter.valueOf(BigInteger.valueOf(to)))
        .orElseThrow(() -> new IOException("L1 block " + to + " vanished while reading"));
    List<RollupEvent> events = rollup.events(from + 1, to);
    Optional<L1Block> lastAfter = block(DefaultBlockParameter.valueOf(BigInteger.valueOf(to)));
    if (lastAfter.isEmpty() || !lastAfter.get().equals(last)) return new L1Step.Idle(chain, head);

    // Keep every block that caused a transition, and the range's last block as the new tip.
    TreeSet<Long> numbers = new TreeSet<>();
    List<L1Block> kept = new ArrayList<>();
    for (RollupEvent e : events) {
      if (numbers.add(e.log().blockNumber())) kept.add(new L1Block(e.log().blockNumber(), e.log().blockHash()));
    }
    if (numbers.add(to)) kept.add(last);
    // Every log must come from the chain that ends at the last block: a reorg between the reads shows
    // up as a log whose block is no longer canonical. Read the range again next time.
    for (L1Block b : kept) {
      if (b.number() == to) {
        if (!b.equals(last)) return new L1Step.Idle(chain, head);
        continue;
      }
      Optional<L1Block> now = block(DefaultBlockParameter.valueOf(BigInteger.valueOf(b.number())));
      if (now.isEmpty() || !now.get().hash().equals(b.hash())) return new L1Step.Idle(chain, head);
    }
    chain = chain.extend(kept, settings.reorgWindow());
    return new L1Step.Advance(from, to, events, chain, head);
  }

  /** The highest block the finality allowed at the last step that read it (0 before). */
  public long finalized() {
    return finalized;
  }

  private L1Step reorg() throws IOException {
    List<L1Block> blocks = chain.blocks();
    for (int i = blocks.size() - 1; i >= 0; i--) {
      L1Block b = blocks.get(i);
      Optional<L1Block> now = block(DefaultBlockParameter.valueOf(BigInteger.valueOf(b.number())));
      if (now.isPresent() && now.get().hash().equals(b.hash())) {
        List<L1Block> orphaned = chain.above(b.number());
        chain = chain.truncateAfter(b.number());
        return new L1Step.Reorg(b, orphaned, chain);
      }
    }
    throw new L1SyncHalted("L1 reorg deeper than the " + settings.reorgWindow()
        + "-block window the node keeps (oldest kept block " + blocks.get(0).number()
        + "); raise zkchain.l1.reorg-window or resync from a finalized position");
  }

  private long latestNumber() throws IOException {
    return web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
  }

  private Optional<L1Block> block(DefaultBlockParameter at) throws IOException {
    EthBlock response = web3j.ethGetBlockByNumber(at, false).send();
    if (response.hasError()) throw new IOException("eth_getBlockByNumber: " + response.getError().getMessage());
    EthBlock.Block b = response.getBlock();
    return b == null ? Optional.empty() : Optional.of(new L1Block(b.getNumber().longValueExact(), b.getHash()));
  }
}
