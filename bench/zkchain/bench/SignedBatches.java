package zkchain.bench;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.Sign;
import org.web3j.crypto.TransactionEncoder;
import zkchain.DevKeys;
import zkchain.execution.ExecutionResult;
import zkchain.execution.Executor;
import zkchain.execution.Genesis;
import zkchain.execution.InMemoryNodeStore;
import zkchain.protocol.AccInputHash;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.protocol.Hash32;
import zkchain.protocol.Secp256k1;
import zkchain.protocol.Txs;

/**
 * Batches as the trusted sequencer closes them: real transfers from the ten dev accounts of
 * conf/genesis.json, executed here for their state roots and accInputHash, and signed. Timestamps
 * start at 2026-01-01 and rise by one a batch, so L1 can sequence them (never above its block).
 */
final class SignedBatches {
  private SignedBatches() {}

  static final long FIRST_TIMESTAMP = 1_767_225_600L;
  /** Transfers a batch (-Dtransfers), in every benchmark that uses real batches. */
  static final int TRANSFERS = Integer.getInteger("transfers", 100);
  /** New recipients cycle over this many addresses, so later transfers reach existing accounts. */
  private static final int RECIPIENTS = 5_000;
  private static final Credentials SEQUENCER = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));

  static Address coinbase() {
    return Address.of(sequencer().getAddress());
  }

  /** Batches 1..count of {@code transfers} transfers each, every one applied; signed in parallel. */
  static List<BatchMessage> transfers(Genesis genesis, int count, int transfers) {
    long t0 = System.nanoTime();
    var store = new InMemoryNodeStore();
    var executor = new Executor(store, genesis.chainConfig());
    Hash32 root = genesis.write(store);
    Hash32 acc = AccInputHash.GENESIS;
    List<Credentials> wallets = DevKeys.PRIVATE_KEYS.stream().map(Credentials::create).toList();
    long[] nonces = new long[wallets.size()];
    List<BatchMessage> out = new ArrayList<>(count);
    for (int n = 1; n <= count; n++) {
      record Unsigned(Credentials key, long nonce, Address to) {}
      List<Unsigned> unsigned = new ArrayList<>(transfers);
      for (int t = 0; t < transfers; t++) {
        int w = t % wallets.size();
        unsigned.add(new Unsigned(wallets.get(w), nonces[w]++,
            Address.of(String.format("0x%040x", 0x10000 + ((long) n * transfers + t) % RECIPIENTS))));
      }
      List<byte[]> txs = unsigned.parallelStream()
          .map(u -> legacyTransfer(u.key(), genesis.chainId(), u.nonce(), u.to()))
          .toList();
      Batch batch = new Batch(n, BatchTransactions.encode(txs), FIRST_TIMESTAMP + n, coinbase());
      ExecutionResult result = executor.execute(root, batch);
      if (result.applied().size() != transfers) {
        throw new IllegalStateException("batch " + n + ": a generated transfer was skipped: " + result.skipped());
      }
      root = result.stateRoot();
      acc = AccInputHash.next(acc, batch);
      out.add(BatchMessage.signed(genesis.chainId(), batch, root, acc, sequencer().getEcKeyPair()));
    }
    System.out.printf("generated %,d signed batches of %d transfers in %.1f s%n", count, transfers,
        (System.nanoTime() - t0) / 1e9);
    return out;
  }

  /**
   * A legacy EIP-155 transfer of 1 wei at gas price 1, the bytes web3j's TransactionEncoder makes,
   * signed on libsecp256k1 ({@link Secp256k1#sign}) rather than by web3j on Bouncy Castle: about
   * twice as fast to prepare here, which matters for tens of thousands of transfers.
   */
  private static byte[] legacyTransfer(Credentials key, long chainId, long nonce, Address to) {
    RawTransaction tx = RawTransaction.createEtherTransaction(BigInteger.valueOf(nonce), BigInteger.ONE, Txs.GAS,
        to.hex(), BigInteger.ONE);
    byte[] sig = Secp256k1.sign(Hash.sha3(TransactionEncoder.encode(tx, chainId)), key.getEcKeyPair());
    Sign.SignatureData data = new Sign.SignatureData(sig[64], Arrays.copyOfRange(sig, 0, 32),
        Arrays.copyOfRange(sig, 32, 64));
    return TransactionEncoder.encode(tx, TransactionEncoder.createEip155SignatureData(data, chainId));
  }

  /**
   * Empty batches (no transactions: every state root is the genesis root), each made when it is
   * asked for, so that a run of 100,000 keeps none of them in the benchmark's own memory.
   */
  static final class Empty {
    private final long chainId;
    private final Hash32 root;
    private long last;
    private Hash32 acc = AccInputHash.GENESIS;

    Empty(Genesis genesis) {
      this.chainId = genesis.chainId();
      this.root = genesis.write(new InMemoryNodeStore());
    }

    /** Batch n; asked in order, as a feed reader asks, each costs one hash and one signature. */
    synchronized BatchMessage get(long n) {
      if (n <= last) {
        last = 0;
        acc = AccInputHash.GENESIS;
      }
      Batch batch = null;
      while (last < n) {
        last++;
        batch = new Batch(last, BatchTransactions.encode(List.of()), FIRST_TIMESTAMP + last, coinbase());
        acc = AccInputHash.next(acc, batch);
      }
      return BatchMessage.signed(chainId, batch, root, acc, sequencer().getEcKeyPair());
    }
  }

  private static Credentials sequencer() {
    return SEQUENCER;
  }
}
