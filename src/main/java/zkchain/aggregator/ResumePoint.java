package zkchain.aggregator;

import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;
import zkchain.derive.L1Block;
import zkchain.derive.L1Position;
import zkchain.derive.L1View;
import zkchain.execution.NodeStore;
import zkchain.l1.L1Deployment;
import zkchain.l1.RollupEvent;
import zkchain.l1.ZkChainRollup;
import zkchain.protocol.Hash32;

/**
 * Where a starting aggregator begins following L1. Everything up to the contract's
 * lastVerifiedBatch is settled, so when the trie store already holds that batch's verified root
 * it starts at the L1 block that sequenced that batch, with the verified root as its own;
 * otherwise (a new database, nothing verified yet) it executes from the genesis.
 *
 * <p>Blocking: called once, when the aggregator starts.
 */
record ResumePoint(L1Block block, L1View view, SequenceBoundaries.Boundary boundary) {
  private static final Logger log = LoggerFactory.getLogger(ResumePoint.class);

  static ResumePoint genesis(L1Deployment d) {
    L1Position at = L1Position.atDeployment(d);
    return new ResumePoint(at.chain().get(0), at.checkpoints().firstEntry().getValue(),
        new SequenceBoundaries.Boundary(0, d.genesisRoot(), Hash32.ZERO.hex(), d.deployBlock()));
  }

  /** Where the derivation begins from this point. */
  L1Position position() {
    return L1Position.at(block, view);
  }

  static ResumePoint find(Web3j web3j, ZkChainRollup rollup, L1Deployment d, NodeStore store, int chunkSize)
      throws IOException {
    long lastVerified = rollup.lastVerifiedBatch();
    if (lastVerified == 0) return genesis(d);
    String root = rollup.batchNumToStateRoot(lastVerified);
    if (store.get(Hash32.of(root)).isEmpty()) {
      log.info("the trie store has no state of batch {} (root {}): executing from the genesis", lastVerified, root);
      return genesis(d);
    }
    Optional<RollupEvent.SequenceBatches> sequenced = sequencingOf(web3j, d, lastVerified, chunkSize);
    if (sequenced.isEmpty()) {
      log.warn("no SequenceBatches event for verified batch {} on L1: executing from the genesis", lastVerified);
      return genesis(d);
    }
    RollupEvent.SequenceBatches s = sequenced.get();
    // L1Traversal reads from the block after its start, so nothing else may be sequenced in this block
    long block = s.log().blockNumber();
    boolean moreInBlock = sequenceEvents(web3j, d, block, block, null).stream().anyMatch(e -> e.numBatch() > lastVerified);
    if (moreInBlock) {
      log.info("L1 block {} sequenced batches after {}: executing from the genesis", block, lastVerified);
      return genesis(d);
    }
    log.info("resuming after batch {} (verified root {}) from L1 block {}", lastVerified, root, block);
    // lastVerified 0: the verification of batch lastVerified may come in a later block, and must still follow
    return new ResumePoint(new L1Block(block, s.log().blockHash()),
        new L1View(lastVerified, root, s.accInputHash(), 0, rollup.trustedSequencer()),
        new SequenceBoundaries.Boundary(lastVerified, root, s.accInputHash(), block));
  }

  /** Whether {@code block} is still on L1: a restart from a floor an L1 reorg removed must look again. */
  static boolean onL1(Web3j web3j, L1Block block) throws IOException {
    EthBlock response = web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.valueOf(block.number())),
        false).send();
    if (response.hasError()) throw new IOException("eth_getBlockByNumber: " + response.getError().getMessage());
    return response.getBlock() != null && block.hash().equalsIgnoreCase(response.getBlock().getHash());
  }

  /** The SequenceBatches event ending at {@code numBatch}, searched newest range first: it is usually recent. */
  private static Optional<RollupEvent.SequenceBatches> sequencingOf(Web3j web3j, L1Deployment d, long numBatch,
                                                                   int chunkSize) throws IOException {
    String topic = Numeric.toHexStringWithPrefixZeroPadded(BigInteger.valueOf(numBatch), 64);
    long to = web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
    while (to >= d.deployBlock()) {
      long from = Math.max(d.deployBlock(), to - chunkSize + 1);
      List<RollupEvent.SequenceBatches> found = sequenceEvents(web3j, d, from, to, topic);
      if (!found.isEmpty()) return Optional.of(found.get(found.size() - 1));
      to = from - 1;
    }
    return Optional.empty();
  }

  private static List<RollupEvent.SequenceBatches> sequenceEvents(Web3j web3j, L1Deployment d, long from, long to,
                                                                  String numBatchTopic) throws IOException {
    EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
        DefaultBlockParameter.valueOf(BigInteger.valueOf(to)), d.rollup());
    filter.addSingleTopic(RollupEvent.SEQUENCE_BATCHES_TOPIC);
    if (numBatchTopic != null) filter.addSingleTopic(numBatchTopic);
    EthLog result = web3j.ethGetLogs(filter).send();
    if (result.hasError()) {
      throw new IOException("eth_getLogs " + from + ".." + to + ": " + result.getError().getMessage());
    }
    return result.getLogs().stream()
        .map(r -> (Log) r.get())
        .filter(l -> d.rollup().equalsIgnoreCase(l.getAddress()))
        .map(RollupEvent::decode).flatMap(Optional::stream)
        .filter(e -> e instanceof RollupEvent.SequenceBatches)
        .map(e -> (RollupEvent.SequenceBatches) e)
        .toList();
  }
}
