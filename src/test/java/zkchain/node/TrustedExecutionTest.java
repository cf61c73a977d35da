package zkchain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;
import zkchain.batch.BatchEntity.Stage;
import zkchain.batch.BatchEntity;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.execution.JdbcNodeStore;
import zkchain.infra.Database;
import zkchain.node.TrustedExecution.Outcome;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.protocol.Txs;
import zkchain.testing.TestNodes;

/** Feed batches executed by the node and recorded Trusted; a wrong root, acc or parent is rejected. */
class TrustedExecutionTest {
  static final Genesis GENESIS = Genesis.load(Path.of("conf/genesis.json"));
  static final Credentials SEQUENCER = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));
  static final Credentials ALICE = Credentials.create(DevKeys.key(5));
  static final Address COINBASE = Address.of(SEQUENCER.getAddress());

  @TempDir Path dir;
  ZkChainNode node;
  TrustedExecution trusted;
  /** The sequencer's side: its own execution, on a store of its own. */
  final List<BatchMessage> signed = new ArrayList<>();

  @BeforeEach
  void start() {
    node = ZkChainNode.start(TestNodes.config(dir, Map.of()));
    var store = new JdbcNodeStore(Database.get(node.system()).dataSource());
    trusted = new TrustedExecution(node.system(), new Executor(store, GENESIS.chainConfig()), GENESIS.write(store));

    var sequencerStore = new InMemoryNodeStore();
    var sequencerExecutor = new Executor(sequencerStore, GENESIS.chainConfig());
    Hash32 root = GENESIS.write(sequencerStore);
    Hash32 acc = AccInputHash.GENESIS;
    for (int n = 1; n <= 3; n++) {
      byte[] transfer = Txs.legacy(ALICE, GENESIS.chainId(), n - 1, 1, Address.of("0x" + "0".repeat(39) + n),
          BigInteger.valueOf(1000L * n));
      Batch batch = new Batch(n, Txs.batch(transfer), 1_767_225_600L + n, COINBASE);
      root = sequencerExecutor.execute(root, batch).stateRoot();
      acc = AccInputHash.next(acc, batch);
      signed.add(BatchMessage.signed(GENESIS.chainId(), batch, root, acc, SEQUENCER.getEcKeyPair()));
    }
  }

  @AfterEach
  void stop() {
    node.close();
  }

  Outcome apply(BatchMessage m) {
    return trusted.apply(m).toCompletableFuture().join();
  }

  BatchEntity.State batch(long n) {
    return BatchEntity.ref(node.system(), n).ask(BatchEntity.Get::new, TestNodes.TIMEOUT).toCompletableFuture().join();
  }

  static BatchMessage withRoot(BatchMessage m, Hash32 root) {
    return BatchMessage.signed(m.chainId(), m.batch(), root, m.accInputHash(),
        Credentials.create(DevKeys.key(DevKeys.SEQUENCER)).getEcKeyPair());
  }

  @Test
  void feedBatchesAreExecutedCheckedAndRecordedTrusted() {
    assertEquals(Outcome.RECORDED, apply(signed.get(0)));
    assertEquals(Outcome.STATE_ROOT_DIFFERS, apply(withRoot(signed.get(1), Hash32.of("0x" + "ee".repeat(32)))));
    assertTrue(batch(2).isUnknown(), "a rejected batch is not recorded");
    assertEquals(Outcome.PARENT_UNKNOWN, apply(signed.get(2)));

    BatchMessage badAcc = new BatchMessage(signed.get(1).chainId(), signed.get(1).batch(), signed.get(1).stateRoot(),
        Hash32.of("0x" + "0a".repeat(32)), signed.get(1).signature());
    assertEquals(Outcome.ACC_INPUT_HASH_DIFFERS, apply(badAcc));

    assertEquals(Outcome.RECORDED, apply(signed.get(1)));
    assertEquals(Outcome.RECORDED, apply(signed.get(2)));
    assertEquals(Outcome.RECORDED, apply(signed.get(2)), "a re-delivered batch is accepted again");
    for (int n = 1; n <= 3; n++) {
      BatchEntity.State s = batch(n);
      assertEquals(Stage.TRUSTED, s.stage());
      assertEquals(signed.get(n - 1).stateRoot().hex(), s.current().stateRoot());
      assertEquals(signed.get(n - 1).accInputHash().hex(), s.current().accInputHash());
      assertEquals(1, s.history().size(), "recorded once");
    }
    assertEquals(4, trusted.count(Outcome.RECORDED));
    assertEquals(1, trusted.count(Outcome.STATE_ROOT_DIFFERS));
    assertEquals(1, trusted.count(Outcome.PARENT_UNKNOWN));
    assertEquals(1, trusted.count(Outcome.ACC_INPUT_HASH_DIFFERS));
  }

  @Test
  void aDifferentVersionOfATrustedBatchIsRefused() {
    apply(signed.get(0));
    Batch other = new Batch(1, Txs.batch(), signed.get(0).batch().timestamp(), COINBASE);
    var store = new InMemoryNodeStore();
    Hash32 root = new Executor(store, GENESIS.chainConfig()).execute(GENESIS.write(store), other).stateRoot();
    BatchMessage conflicting = BatchMessage.signed(GENESIS.chainId(), other, root,
        AccInputHash.next(AccInputHash.GENESIS, other), SEQUENCER.getEcKeyPair());
    assertEquals(Outcome.REFUSED, apply(conflicting));
    assertEquals(signed.get(0).stateRoot().hex(), batch(1).current().stateRoot(), "the first version stands");
  }

  @Test
  void aBatchAlreadyOnL1IsJudgedAgainstL1sVersionNotExecutedAgain() {
    BatchMessage one = signed.get(0);
    var data = new BatchEntity.BatchData(Numeric.toHexString(one.batch().transactions()), one.batch().timestamp(),
        one.batch().coinbase().hex(), BatchEntity.Source.L1);
    var sequenced = new BatchEntity.L1Ref(20, "0x" + "11".repeat(32), "0x" + "12".repeat(32), 0);
    TestNodes.ask(node.system(), 1, r -> new BatchEntity.Virtualize(data, one.stateRoot().hex(),
        one.accInputHash().hex(), sequenced, r)).toCompletableFuture().join();

    assertEquals(Outcome.ALREADY_VIRTUAL, apply(one));
    // Executed, this one would be state-root-differs; against L1's version it is another version.
    assertEquals(Outcome.L1_DIFFERS, apply(withRoot(one, Hash32.of("0x" + "ee".repeat(32)))));
    assertTrue(Outcome.ALREADY_VIRTUAL.relayed() && Outcome.L1_DIFFERS.relayed(), "both are relayed, neither resyncs");
    BatchEntity.State s = batch(1);
    assertEquals(Stage.VIRTUAL, s.stage());
    assertEquals(List.of("virtualized"), s.history().stream().map(BatchEntity.Transition::event).toList());
    assertEquals(0, trusted.count(Outcome.RECORDED));
  }
}
