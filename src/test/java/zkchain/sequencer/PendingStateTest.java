package zkchain.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Hash32;
import zkchain.protocol.SkipReason;
import zkchain.testing.L1Workload;

/** Admission, batch size and batch timestamps: the sequencer's pure rules, without Akka. */
class PendingStateTest {
  static final Genesis GENESIS = Genesis.load(L1Workload.GENESIS_FILE);
  static final L2Wallet WALLET = new L2Wallet(GENESIS.chainId());
  static final Credentials ALICE = Credentials.create(DevKeys.key(5));
  static final Address COINBASE = Address.of(Credentials.create(DevKeys.key(DevKeys.SEQUENCER)).getAddress());

  @Test
  void admittedTransactionsChainOnThePendingStateAndSealToTheExecutedRoot() {
    InMemoryNodeStore store = new InMemoryNodeStore();
    Hash32 genesisRoot = GENESIS.write(store);
    PendingState pending = PendingState.open(store, GENESIS.chainConfig(), COINBASE, genesisRoot);
    List<byte[]> admitted = new ArrayList<>();
    for (int nonce = 0; nonce < 3; nonce++) {
      byte[] raw = Numeric.hexStringToByteArray(WALLET.legacy(ALICE, nonce, L2Wallet.recipient(nonce), BigInteger.TEN));
      assertInstanceOf(Admission.Admitted.class, pending.admit(raw));
      admitted.add(raw);
    }
    assertEquals(3, pending.account(Address.of(ALICE.getAddress())).nonce());
    Admission replay = pending.admit(admitted.get(0));
    assertEquals(SkipReason.NONCE, ((Admission.Refused) replay).reason().orElseThrow());
    assertTrue(((Admission.Refused) replay).message().startsWith("nonce: "));

    Hash32 predicted = pending.seal();
    Batch batch = new Batch(1, BatchTransactions.encode(admitted), 1, COINBASE);
    InMemoryNodeStore fresh = new InMemoryNodeStore();
    GENESIS.write(fresh);
    assertEquals(new Executor(fresh, GENESIS.chainConfig()).execute(genesisRoot, batch).stateRoot(), predicted);
    // after sealing, reads see the new state, not the sealed state's parent
    assertEquals(3, pending.account(Address.of(ALICE.getAddress())).nonce());
    assertEquals(predicted, pending.parentRoot());
    assertInstanceOf(Admission.Admitted.class, pending.admit(
        Numeric.hexStringToByteArray(WALLET.legacy(ALICE, 3, L2Wallet.recipient(9), BigInteger.ONE))));
  }

  @Test
  void openBatchTracksItsEncodedSizeAndStopsBeforeTheByteLimit() {
    byte[] raw = new byte[997];
    OpenBatch open = OpenBatch.EMPTY;
    assertEquals(BatchTransactions.encode(List.of()).length, open.encodedBytes());
    while (open.fits(raw, Integer.MAX_VALUE)) {
      open = open.add(raw);
      assertEquals(BatchTransactions.encode(open.transactions()).length, open.encodedBytes());
    }
    assertTrue(open.encodedBytes() <= BatchTransactions.MAX_BYTES);
    assertTrue(open.encodedBytes() + 1000 > BatchTransactions.MAX_BYTES);
    assertFalse(open.fits(new byte[] {1}, open.size()), "the transaction count limit holds too");
    assertFalse(OpenBatch.fitsAlone(new byte[BatchTransactions.MAX_BYTES]));
    assertTrue(OpenBatch.fitsAlone(new byte[BatchTransactions.MAX_BYTES - 8]));
  }

  @Test
  void batchTimestampFollowsTheClockButNeverPassesL1NorGoesBack() {
    SequencerHead head = new SequencerHead(4, Hash32.ZERO, Hash32.ZERO, 1_000);
    assertEquals(1_005, head.nextTimestamp(1_005, 2_000), "the sequencer's clock");
    assertEquals(1_003, head.nextTimestamp(1_005, 1_003), "not above the latest L1 block");
    assertEquals(1_000, head.nextTimestamp(990, 2_000), "not below the previous batch");
    assertEquals(1_000, head.nextTimestamp(1_005, 900), "not below the previous batch, even if L1 is behind");
  }
}
