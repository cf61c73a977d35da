package zkchain.sequencer;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zkchain.l1.BatchData;
import zkchain.l1.L1Revert;
import zkchain.l1.L1Sender.Inclusion;
import zkchain.l1.L1Sender.SignedTransaction;
import zkchain.l1.L1Sender;
import zkchain.l1.RollupEvent;
import zkchain.l1.SequenceBatchesCalldata;
import zkchain.l1.ZkChainRollup;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;

/**
 * Sequences closed batches on L1 (§5), up to {@code batchesPerCall} per sequenceBatches call, with
 * at most one such transaction in flight, recorded in the database before it is broadcast.
 *
 * <p>Each {@link #step} first settles the transaction in flight against L1: mined, it marks its
 * batches sequenced; pending, it waits and sends nothing; dropped, it broadcasts the same bytes
 * again (or, refused, the same call at the same nonce with a higher fee); its nonce taken by
 * another transaction, it forgets it. Only with nothing in flight does it send the next batches,
 * signed at the account's nonce at L1's latest block with the batches after that block's
 * lastBatchSequenced(): a pending transaction of the key that the database does not know (a lost
 * record, a transaction an L1 reorg put back in the pool) then has the same nonce and only one of
 * the two can be mined. Either way no batch is sent in a second transaction that could also be
 * mined. Blocking (web3j and JDBC): the sequencing stream runs it on the sequencer's dispatcher.
 */
final class L1Sequencing {
  private static final Logger log = LoggerFactory.getLogger(L1Sequencing.class);
  /** The test hook's L1 version of a batch: an empty transactions list, valid and different. */
  private static final byte[] DIVERGENT_TRANSACTIONS = BatchTransactions.encode(List.of());

  /** What one step did: nothing to send, a transaction in flight, or the batches one sequenced. */
  sealed interface Step permits Idle, InFlight, Sequenced {}

  record Idle(long lastBatchSequenced) implements Step {}

  /** Sent (or sent again, or replaced) and not mined yet. */
  record InFlight(SequencingTransaction tx) implements Step {}

  record Sequenced(long first, long last, String l1TxHash) implements Step {}

  private final L1Sender sender;
  private final ZkChainRollup rollup;
  private final SequencerBatchStore batches;
  private final String coinbase;
  private final int batchesPerCall;
  private final long divergentBatchTestHook;
  private final java.util.function.LongConsumer gasSpent;

  /** @param gasSpent told of the L1 gas each mined sequenceBatches used, reverted or not */
  L1Sequencing(L1Sender sender, ZkChainRollup rollup, SequencerBatchStore batches, String coinbase, int batchesPerCall,
      long divergentBatchTestHook, java.util.function.LongConsumer gasSpent) {
    this.gasSpent = gasSpent;
    this.sender = sender;
    this.rollup = rollup;
    this.batches = batches;
    this.coinbase = coinbase;
    this.batchesPerCall = batchesPerCall;
    this.divergentBatchTestHook = divergentBatchTestHook;
  }

  /** Settles the transaction in flight, or sends the next closed batches L1 lacks. Throws on any L1 or database failure. */
  Step step() {
    Optional<SequencingTransaction> inFlight = batches.inFlight();
    return inFlight.isPresent() ? settle(inFlight.get()) : sendNext();
  }

  private Step settle(SequencingTransaction tx) {
    Inclusion inclusion = sender.inclusion(tx.signed());
    if (inclusion instanceof Inclusion.Mined mined) return mined(tx, mined.receipt());
    if (inclusion instanceof Inclusion.Pending) return new InFlight(tx);
    if (inclusion instanceof Inclusion.Superseded superseded) {
      log.warn("sequenceBatches {} (batches {}, nonce {}) was not mined: the sequencer key's nonce is {} on L1, another "
          + "transaction took it; asking L1 again where to continue", tx.signed().hash(), tx.batches(),
          tx.signed().nonce(), superseded.accountNonce());
      batches.forgetInFlight();
      return sendNext();
    }
    return sendAgain(tx);
  }

  /** L1 dropped it: the same bytes again, or if L1 refuses them now, the same call at the same nonce for more. */
  private Step sendAgain(SequencingTransaction tx) {
    Optional<String> refused = sender.broadcast(tx.signed());
    if (refused.isEmpty()) {
      log.warn("L1 dropped sequenceBatches {} (batches {}, nonce {}); broadcast it again", tx.signed().hash(),
          tx.batches(), tx.signed().nonce());
      return new InFlight(tx);
    }
    SequencingTransaction replacement = tx.replacedBy(sender.replace(tx.signed()));
    batches.recordInFlight(replacement);
    broadcast(replacement);
    log.warn("L1 dropped sequenceBatches {} (batches {}, nonce {}) and refused it again ({}); replaced it with {} at a "
        + "higher fee", tx.signed().hash(), tx.batches(), tx.signed().nonce(), refused.get(),
        replacement.signed().hash());
    return new InFlight(replacement);
  }

  private void spent(TransactionReceipt receipt) {
    if (receipt.getGasUsed() != null) gasSpent.accept(receipt.getGasUsed().longValueExact());
  }

  private Step mined(SequencingTransaction tx, TransactionReceipt receipt) {
    String hash = tx.signed().hash();
    if (!receipt.isStatusOK()) {
      batches.forgetInFlight();
      spent(receipt);
      throw new L1Revert("sequenceBatches of batches " + tx.batches(), sender.revertReasonOf(tx.signed(), receipt));
    }
    RollupEvent.SequenceBatches event = receipt.getLogs().stream()
        .filter(l -> rollup.address().equalsIgnoreCase(l.getAddress()))
        .map(RollupEvent::decode).flatMap(Optional::stream)
        .filter(e -> e instanceof RollupEvent.SequenceBatches).map(e -> (RollupEvent.SequenceBatches) e)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("sequenceBatches " + hash + " succeeded without a SequenceBatches "
            + "event"));
    if (event.numBatch() != tx.lastBatch()) {
      batches.forgetInFlight();
      throw new IllegalStateException("L1 sequenced up to batch " + event.numBatch() + " in " + hash
          + ", the call carried batches " + tx.batches());
    }
    batches.sequenced(tx);
    spent(receipt); // once the transaction is settled, so a step that is taken again does not count it twice
    BatchMessage last = batches.from(tx.lastBatch(), 1).get(0);
    if (!Hash32.of(event.accInputHash()).equals(last.accInputHash()) && !hookApplied(last)) {
      // L1 is authoritative (§7); the sequencer can only say so loudly
      log.error("L1 accInputHash of batch {} is {}, the sequencer's is {}: L1 and the feed disagree",
          event.numBatch(), event.accInputHash(), last.accInputHash());
    }
    log.info("Sequenced batches {} on L1 in {} (accInputHash {})", tx.batches(), hash, event.accInputHash());
    return new Sequenced(tx.firstBatch(), tx.lastBatch(), hash);
  }

  /** Signs the next batches at L1's latest block, records the transaction, then broadcasts it. */
  private Step sendNext() {
    long block = sender.blockNumber();
    long nonce = sender.nonce(DefaultBlockParameter.valueOf(BigInteger.valueOf(block)));
    long onL1 = rollup.atBlock(block).lastBatchSequenced();
    List<BatchMessage> next = batches.from(onL1 + 1, batchesPerCall);
    if (next.isEmpty()) return new Idle(onL1);
    if (next.get(0).batch().number() != onL1 + 1) {
      throw new IllegalStateException("L1 has sequenced up to batch " + onL1 + " but the sequencer's next closed "
          + "batch is " + next.get(0).batch().number() + "; sequencing stops rather than leave a gap");
    }
    long pendingNonce = sender.nonce(DefaultBlockParameterName.PENDING);
    if (pendingNonce > nonce) {
      log.warn("L1's pool holds {} transaction(s) of the sequencer key from nonce {} that the sequencer did not "
          + "record; the next sequenceBatches takes nonce {} too, so only one of them can be mined",
          pendingNonce - nonce, nonce, nonce);
    }
    List<BatchData> data = next.stream().map(this::l1Data).toList();
    String calldata = Numeric.toHexString(SequenceBatchesCalldata.encode(data, coinbase));
    SignedTransaction signed = sender.sign("sequenceBatches", rollup.address(), calldata, nonce);
    SequencingTransaction tx = new SequencingTransaction(signed, onL1 + 1, next.get(next.size() - 1).batch().number());
    // written ahead: a crash from here on finds it and settles it instead of sending these batches again
    batches.recordInFlight(tx);
    broadcast(tx);
    log.info("Sent sequenceBatches {} for batches {} at nonce {}", signed.hash(), tx.batches(), nonce);
    return new InFlight(tx);
  }

  /** A refusal leaves the recorded transaction for the next step to settle: dropped, replaced or superseded. */
  private void broadcast(SequencingTransaction tx) {
    sender.broadcast(tx.signed()).ifPresent(refusal -> {
      throw new IllegalStateException("L1 refused sequenceBatches " + tx.signed().hash() + " for batches "
          + tx.batches() + " at nonce " + tx.signed().nonce() + ": " + refusal);
    });
  }

  private boolean hookApplied(BatchMessage last) {
    return divergentBatchTestHook > 0 && divergentBatchTestHook <= last.batch().number();
  }

  /** The batch as L1 gets it; the feed's version, unless the test hook asks for a trusted reorg. */
  private BatchData l1Data(BatchMessage closed) {
    if (closed.batch().number() == divergentBatchTestHook) {
      log.warn("TEST HOOK: sequencing batch {} on L1 with an empty transactions list, not what the feed sent",
          divergentBatchTestHook);
      return new BatchData(DIVERGENT_TRANSACTIONS, closed.batch().timestamp());
    }
    return new BatchData(closed.batch().transactions(), closed.batch().timestamp());
  }
}
