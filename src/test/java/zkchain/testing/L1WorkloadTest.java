package zkchain.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.utils.Numeric;
import zkchain.devnet.Anvil;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.l1.BatchData;
import zkchain.l1.L1Revert;
import zkchain.l1.RollupEvent;
import zkchain.l1.SequenceBatchesCalldata;
import zkchain.l1.ZkChainRollup;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Hash32;
import zkchain.protocol.SkipReason;

/** The L1 workload fixture agrees with the rollup contract on a real anvil. */
class L1WorkloadTest {
  static Anvil anvil;
  L1Workload workload;

  @BeforeAll
  static void startL1() {
    anvil = L1Workload.startL1();
  }

  @AfterAll
  static void stopL1() {
    anvil.close();
  }

  /** A fresh rollup per test on the shared anvil. */
  @BeforeEach
  void deploy() {
    workload = L1Workload.deploy(anvil);
  }

  @AfterEach
  void close() {
    workload.close();
  }

  @Test
  void sequencedAndVerifiedBatchesAgreeWithTheContract() throws IOException {
    List<RollupEvent.SequenceBatches> events = workload.sequence(6, 5);
    assertEquals(List.of(6L, 12L, 18L, 24L, 30L), events.stream().map(RollupEvent.SequenceBatches::numBatch).toList());
    assertEquals(List.of(6L, 12L, 18L, 24L, 30L), workload.sequenceBoundaries());
    workload.verify(12);
    workload.verify(30);

    ZkChainRollup rollup = workload.rollup();
    assertEquals(30, rollup.lastBatchSequenced());
    assertEquals(workload.lastBatchSequenced(), rollup.lastBatchSequenced());
    assertEquals(workload.lastVerifiedBatch(), rollup.lastVerifiedBatch());
    assertEquals(workload.root(0).hex(), rollup.batchNumToStateRoot(0));
    for (long n : workload.sequenceBoundaries()) {
      assertEquals(workload.accInputHash(n).hex(), rollup.sequencedBatches(n).accInputHash(), "accInputHash " + n);
    }
    for (long n : List.of(12L, 30L)) {
      assertEquals(workload.root(n).hex(), rollup.batchNumToStateRoot(n), "state root " + n);
    }

    // Every batch applies all its transfers, both transaction types, and moves the state on.
    Set<Hash32> roots = new HashSet<>();
    Set<Integer> types = new HashSet<>();
    for (long n = 1; n <= 30; n++) {
      assertEquals(5, workload.execution(n).applied().size(), "applied in batch " + n);
      roots.add(workload.root(n));
      BatchTransactions.decode(workload.batch(n).transactions()).orElseThrow()
          .forEach(raw -> types.add((raw[0] & 0xff) >= 0xc0 ? 0 : raw[0] & 0xff));
      assertTrue(workload.batch(n).timestamp() >= workload.batch(Math.max(1, n - 1)).timestamp());
    }
    assertEquals(30, roots.size());
    assertEquals(Set.of(0, 2), types, "legacy and EIP-1559 transfers");

    // The sequencing transaction's calldata is exactly the fixture's batches and coinbase.
    List<BatchData> batches = LongStream.rangeClosed(7, 12)
        .mapToObj(n -> new BatchData(workload.batch(n).transactions(), workload.batch(n).timestamp())).toList();
    assertEquals(Numeric.toHexString(SequenceBatchesCalldata.encode(batches, workload.coinbase().hex())),
        workload.web3j().ethGetTransactionByHash(events.get(1).log().txHash()).send().getTransaction()
            .orElseThrow().getInput());
  }

  @Test
  void theGenesisExecutedHereIsTheDeployedGenesisRoot() {
    Hash32 genesisRoot = Genesis.load(L1Workload.GENESIS_FILE).write(new InMemoryNodeStore());
    assertEquals(genesisRoot, workload.root(0));
    assertEquals(genesisRoot.hex(), workload.deployment().genesisRoot());
  }

  @Test
  void aGarbageBatchLeavesTheRootUnchanged() {
    workload.sequence(2, 1);
    RollupEvent.SequenceBatches garbage = workload.sequenceGarbage();
    long n = garbage.numBatch();
    assertEquals(3, n);
    assertEquals(workload.root(2), workload.root(3));
    assertEquals(SkipReason.MALFORMED, workload.execution(3).skipped().get(0).reason());
    assertEquals(workload.accInputHash(3).hex(), garbage.accInputHash());

    workload.verify(3);
    assertEquals(workload.root(2).hex(), workload.rollup().batchNumToStateRoot(3));
    // Transfers after the garbage batch still apply: its nonces were not advanced.
    workload.sequence(1, 1);
    assertEquals(5, workload.execution(4).applied().size());
  }

  @Test
  void aWrongRootIsAcceptedOnL1AndTheNextVerificationChainsFromIt() {
    workload.sequence(3, 2);
    // Only sequence boundaries can be verified; a refusal changes nothing in the fixture.
    assertEquals("finalNewBatch is not a sequence boundary",
        assertThrows(L1Revert.class, () -> workload.verify(2)).reason());
    assertEquals(0, workload.lastVerifiedBatch());
    String wrong = "0x" + "ee".repeat(32);
    workload.verifyWrongRoot(3, wrong);
    assertEquals(wrong, workload.rollup().batchNumToStateRoot(3));
    assertNotEquals(workload.root(3).hex(), wrong);
    assertEquals(Hash32.of(wrong), workload.verifiedRoot(3).orElseThrow());

    workload.verify(6);
    assertEquals(workload.root(6).hex(), workload.rollup().batchNumToStateRoot(6));
  }

  @Test
  void reorgReplacesTheLatestBlockAtTheSameHeightAndTheFixtureFollows() {
    workload.mine(3);
    EthBlock.Block before = workload.latestBlock();
    workload.reorg(1);
    EthBlock.Block after = workload.latestBlock();
    assertEquals(before.getNumber(), after.getNumber());
    assertNotEquals(before.getHash(), after.getHash());

    // A reorg of the block that sequenced batches 3..4 takes them away from L1 and the fixture.
    workload.sequence(2, 1);
    Hash32 acc2 = workload.accInputHash(2);
    workload.sequence(2, 1);
    workload.reorg(1);
    assertEquals(2, workload.rollup().lastBatchSequenced());
    assertEquals(2, workload.lastBatchSequenced());
    assertEquals(List.of(2L), workload.sequenceBoundaries());
    assertEquals(acc2, workload.accInputHash(2));
    // And sequencing goes on from there, nonces included.
    workload.sequence(2, 1);
    assertEquals(5, workload.execution(4).applied().size());
    assertEquals(workload.accInputHash(4).hex(), workload.rollup().sequencedBatches(4).accInputHash());
  }

  @Test
  void twoHundredBatchesInTwentyCallsTakeSeconds() {
    long start = System.nanoTime();
    workload.sequence(10, 20);
    workload.verifyAll();
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("L1Workload: 200 batches x 5 transfers in 20 calls, verified: " + millis + " ms");
    assertEquals(200, workload.rollup().lastVerifiedBatch());
    assertEquals(workload.root(200).hex(), workload.rollup().batchNumToStateRoot(200));
    assertTrue(millis < 30_000, "took " + millis + " ms");
  }
}
