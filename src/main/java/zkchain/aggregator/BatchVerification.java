package zkchain.aggregator;

import java.math.BigInteger;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;
import zkchain.l1.L1Revert;
import zkchain.l1.RollupEvent;
import zkchain.l1.ZkChainRollup;

/**
 * One verifyBatchesTrustedAggregator attempt (PROTOCOL.md §5): picks the range from the
 * contract's lastVerifiedBatch to the boundary the policy allows, builds inputSnark from what L1
 * stores for initNumBatch and the aggregator's own root of finalNewBatch, has the prover key sign
 * it, and sends it from the aggregator key.
 *
 * <p>Blocking (web3j). Outlives stream restarts, so a revert is logged once however often it is
 * retried. Not thread-safe: one stream owns it.
 */
final class BatchVerification {
  private static final Logger log = LoggerFactory.getLogger(BatchVerification.class);

  /** What an attempt did. */
  sealed interface Outcome {}

  record NothingToVerify(long lastVerifiedBatch) implements Outcome {}

  record Verified(long initNumBatch, long finalNewBatch, String newStateRoot, String l1TxHash) implements Outcome {}

  /** The contract refused the range; retried at a later interval. */
  record Reverted(long initNumBatch, long finalNewBatch, String reason) implements Outcome {}

  /** L1's root of initNumBatch is not the aggregator's own: it stops verifying (PROTOCOL.md §7). */
  record StateRootMismatch(long initNumBatch, String l1Root, String ownRoot) implements Outcome {}

  private final ZkChainRollup rollup;
  private final String aggregator;
  private final ECKeyPair prover;
  private final long chainId;
  private final Aggregator.Settings settings;
  private Outcome lastLogged;

  /** @param rollup a binding that sends from the aggregator key */
  BatchVerification(ZkChainRollup rollup, String aggregatorAddress, ECKeyPair prover, long chainId,
                    Aggregator.Settings settings) {
    this.rollup = rollup;
    this.aggregator = aggregatorAddress.toLowerCase();
    this.prover = prover;
    this.chainId = chainId;
    this.settings = settings;
  }

  Outcome attempt(Aggregator.Followed followed) {
    long init = rollup.lastVerifiedBatch();
    long deepEnough = followed.l1Head() - settings.minConfirmations();
    Optional<SequenceBoundaries.Boundary> target =
        followed.boundaries().target(init, deepEnough, settings.maxBatchesPerProof());
    if (target.isEmpty()) return new NothingToVerify(init);
    SequenceBoundaries.Boundary last = target.get();

    String oldStateRoot = rollup.batchNumToStateRoot(init);
    String oldAccInputHash = rollup.sequencedBatches(init).accInputHash();
    Optional<SequenceBoundaries.Boundary> own = followed.boundaries().at(init);
    if (own.isPresent() && !own.get().stateRoot().equalsIgnoreCase(oldStateRoot)) {
      return once(new StateRootMismatch(init, oldStateRoot, own.get().stateRoot()));
    }
    BigInteger inputSnark = AttestationProof.inputSnark(aggregator, bytes(oldStateRoot), bytes(oldAccInputHash),
        init, chainId, bytes(last.stateRoot()), bytes(last.accInputHash()), last.numBatch());
    byte[] proof = AttestationProof.sign(inputSnark, prover);
    try {
      RollupEvent.VerifyBatchesTrustedAggregator event =
          rollup.verifyBatchesTrustedAggregator(init, last.numBatch(), last.stateRoot(), proof);
      Verified verified = new Verified(init, event.numBatch(), event.stateRoot(), event.log().txHash());
      log.info("verified batches {}..{} with state root {} in L1 tx {}", init + 1, verified.finalNewBatch(),
          verified.newStateRoot(), verified.l1TxHash());
      lastLogged = verified;
      return verified;
    } catch (L1Revert e) {
      return once(new Reverted(init, last.numBatch(), e.reason()));
    }
  }

  /** Logs a refusal the first time it happens, not on every retry. */
  private Outcome once(Outcome outcome) {
    if (!outcome.equals(lastLogged)) {
      if (outcome instanceof Reverted r) {
        log.warn("verifyBatchesTrustedAggregator of batches {}..{} reverted: {}; retrying every {}",
            r.initNumBatch() + 1, r.finalNewBatch(), r.reason(), settings.interval());
      } else if (outcome instanceof StateRootMismatch m) {
        log.error("state root mismatch at batch {}: L1 verified {}, this aggregator executed {}; not verifying"
            + " past it", m.initNumBatch(), m.l1Root(), m.ownRoot());
      }
      lastLogged = outcome;
    }
    return outcome;
  }

  private static byte[] bytes(String hex32) {
    return Numeric.hexStringToByteArray(hex32);
  }
}
