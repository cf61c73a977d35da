package zkchain.execution;

import java.util.ArrayList;
import java.util.List;
import zkchain.protocol.Address;
import zkchain.protocol.Batch;
import zkchain.protocol.BatchTransactions;
import zkchain.protocol.Hash32;
import zkchain.protocol.Rlp;
import zkchain.protocol.Transaction;
import zkchain.protocol.TransactionDecoder;

/**
 * A batch as Ethereum tools see it (PROTOCOL.md §8): batch n is block n, with a Shanghai header
 * whose hash any Ethereum library can recompute, holding the batch's applied transactions only
 * (indexed from 0 among them) and a receipt for each. Built from the batch and its execution; a
 * trusted reorg changes the batch, hence the block and its hash.
 */
public record L2Block(Header header, Hash32 hash, List<Included> transactions) {
  public static final long GAS_LIMIT = 30_000_000L;
  /** keccak(RLP([])): no ommers, ever. */
  public static final Hash32 EMPTY_OMMERS = Hash32.keccak(Rlp.encodeList());
  private static final byte[] ZERO_BLOOM = new byte[256];
  private static final long TRANSFER_GAS = Transaction.TRANSFER_GAS.longValueExact();

  /** The header fields §8 names; the rest are constants (difficulty 0, mixHash and nonce 0, base fee 0). */
  public record Header(Hash32 parentHash, Address coinbase, Hash32 stateRoot, Hash32 transactionsRoot,
                       Hash32 receiptsRoot, long number, long gasUsed, long timestamp, Hash32 extraData) {
    /** RLP of the Shanghai header, field order as Ethereum's. */
    public byte[] rlp() {
      return Rlp.encodeList(
          Rlp.encodeString(parentHash.bytes()),
          Rlp.encodeString(EMPTY_OMMERS.bytes()),
          Rlp.encodeString(coinbase.bytes()),
          Rlp.encodeString(stateRoot.bytes()),
          Rlp.encodeString(transactionsRoot.bytes()),
          Rlp.encodeString(receiptsRoot.bytes()),
          Rlp.encodeString(ZERO_BLOOM),
          Rlp.encodeUint(0), // difficulty
          Rlp.encodeUint(number),
          Rlp.encodeUint(GAS_LIMIT),
          Rlp.encodeUint(gasUsed),
          Rlp.encodeUint(timestamp),
          Rlp.encodeString(extraData.bytes()),
          Rlp.encodeString(new byte[32]), // mixHash
          Rlp.encodeString(new byte[8]), // nonce
          Rlp.encodeUint(0), // baseFeePerGas
          Rlp.encodeString(MerklePatriciaTrie.EMPTY_ROOT.bytes())); // withdrawalsRoot: none
    }
  }

  /** An applied transaction in its block: its index there, its position in the batch, its bytes. */
  public record Included(int index, int batchIndex, byte[] raw, Transaction transaction) {
    /** 21000 for every transfer before it and itself. */
    public long cumulativeGasUsed() {
      return TRANSFER_GAS * (index + 1);
    }

    /** The receipt as the receipts trie holds it: status 1, no logs, the transaction's type. */
    public byte[] receipt() {
      byte[] body = Rlp.encodeList(Rlp.encodeUint(1), Rlp.encodeUint(cumulativeGasUsed()),
          Rlp.encodeString(ZERO_BLOOM), Rlp.encodeList());
      return typed(transaction.type(), body);
    }
  }

  /** Block 0: the genesis state, no transactions, zero coinbase and timestamp, accInputHash(0). */
  public static L2Block genesis(Hash32 genesisRoot) {
    Header header = new Header(Hash32.ZERO, Address.ZERO, genesisRoot, MerklePatriciaTrie.EMPTY_ROOT,
        MerklePatriciaTrie.EMPTY_ROOT, 0, 0, 0, Hash32.ZERO);
    return new L2Block(header, Hash32.keccak(header.rlp()), List.of());
  }

  /**
   * Block {@code batch.number()} after the block with hash {@code parentHash}: the batch's applied
   * transactions as its execution found them (their senders recovered again here, from the bytes).
   */
  public static L2Block of(Hash32 parentHash, Batch batch, ExecutionResult execution, Hash32 accInputHash,
                           long chainId) {
    List<byte[]> raw = BatchTransactions.decode(batch.transactions()).orElse(List.of());
    List<Included> included = new ArrayList<>();
    for (TransactionOutcome.Applied applied : execution.applied()) {
      byte[] bytes = raw.get(applied.index());
      var decoded = TransactionDecoder.decode(bytes, chainId);
      if (!(decoded instanceof TransactionDecoder.Valid valid)) {
        throw new IllegalStateException("applied transaction " + applied.hash() + " of batch " + batch.number()
            + " does not decode again: " + decoded);
      }
      included.add(new Included(included.size(), applied.index(), bytes, valid.transaction()));
    }
    Header header = new Header(parentHash, batch.coinbase(), execution.stateRoot(),
        orderedTrieRoot(included.stream().map(Included::raw).toList()),
        orderedTrieRoot(included.stream().map(Included::receipt).toList()),
        batch.number(), TRANSFER_GAS * included.size(), batch.timestamp(), accInputHash);
    return new L2Block(header, Hash32.keccak(header.rlp()), List.copyOf(included));
  }

  public long number() {
    return header.number();
  }

  /** Ethereum's transactions and receipts tries: key RLP(index), value the item's bytes. */
  static Hash32 orderedTrieRoot(List<byte[]> values) {
    MerklePatriciaTrie trie = MerklePatriciaTrie.empty(new InMemoryNodeStore());
    for (int i = 0; i < values.size(); i++) trie = trie.put(Rlp.encodeUint(i), values.get(i));
    return trie.rootHash();
  }

  /** EIP-2718: a typed transaction's receipt is its type byte before the RLP body; a legacy one is the body. */
  private static byte[] typed(Transaction.Type type, byte[] body) {
    if (type == Transaction.Type.LEGACY) return body;
    byte[] out = new byte[body.length + 1];
    out[0] = 2;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }
}
