package zkchain.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import zkchain.l1.L1Deployment;
import zkchain.l1.RollupEvent;
import zkchain.l1.SequenceBatchesCalldata;
import zkchain.l1.ZkChainRollup;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Hash32;

/**
 * What L1 holds of a rollup, read back from the calldata of every sequenceBatches call: which
 * batch numbers were sequenced (and how often), and in which batch each L2 transaction is. For
 * the fault tests' end checks: nothing acknowledged lost, nothing on L1 twice.
 */
public final class L1Ledger {
  /** How many times each batch number was sequenced (more than once is a fault). */
  public final Map<Long, Integer> timesSequenced = new HashMap<>();
  /** Every L2 transaction hash in sequenced batch data, with the batches that carry it. */
  public final Map<String, List<Long>> batchesOfTransaction = new HashMap<>();
  public long lastBatch;

  public static L1Ledger read(ZkChainRollup rollup, L1Deployment deployment, long toBlock) {
    L1Ledger ledger = new L1Ledger();
    long previousLast = 0;
    for (RollupEvent e : rollup.events(deployment.deployBlock(), toBlock)) {
      if (!(e instanceof RollupEvent.SequenceBatches s)) continue;
      var decoded = rollup.sequencedCalldata(s.log().txHash());
      if (!(decoded instanceof SequenceBatchesCalldata.Valid call)) {
        throw new IllegalStateException("undecodable sequenceBatches in " + s.log().txHash() + ": " + decoded);
      }
      long number = s.numBatch() - call.batches().size() + 1;
      if (number != previousLast + 1) {
        throw new IllegalStateException("L1 sequenced batches " + number + ".." + s.numBatch() + " after "
            + previousLast);
      }
      for (var batch : call.batches()) {
        ledger.timesSequenced.merge(number, 1, Integer::sum);
        for (byte[] raw : BatchTransactions.decode(batch.transactions()).orElse(List.of())) {
          ledger.batchesOfTransaction.computeIfAbsent(Hash32.keccak(raw).hex(), k -> new ArrayList<>()).add(number);
        }
        number++;
      }
      previousLast = s.numBatch();
      ledger.lastBatch = s.numBatch();
    }
    return ledger;
  }

  /** Acknowledged transactions that are not in exactly one batch on L1, with where they are. */
  public Map<String, List<Long>> notExactlyOnce(Iterable<String> acknowledged) {
    Map<String, List<Long>> out = new HashMap<>();
    for (String hash : acknowledged) {
      List<Long> in = batchesOfTransaction.getOrDefault(hash.toLowerCase(), List.of());
      if (in.size() != 1) out.put(hash, in);
    }
    return out;
  }

  /** Distinct batch data sequenced more than once: L1 would hold the same transactions twice. */
  public long transactionsOnL1MoreThanOnce() {
    return batchesOfTransaction.values().stream().filter(b -> b.size() > 1).count();
  }
}
