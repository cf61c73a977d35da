package zkchain.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import org.web3j.utils.Numeric;
import zkchain.execution.L2Block;
import zkchain.execution.L2Chain;
import zkchain.execution.MerklePatriciaTrie;
import zkchain.protocol.Rlp;
import zkchain.protocol.Transaction;

/**
 * Blocks, transactions and receipts of the L2 chain (PROTOCOL.md §8) as Ethereum's JSON-RPC
 * writes them, for every role that serves them: the field names and encodings of the execution
 * API specification, so web3j, ethers and the like read them unchanged.
 */
public final class EthJson {
  private static final String ZERO_BLOOM = Numeric.toHexString(new byte[256]);
  private static final String ZERO_HASH = Numeric.toHexString(new byte[32]);

  private EthJson() {}

  public static TextNode quantity(BigInteger n) {
    return new TextNode(Numeric.encodeQuantity(n));
  }

  public static TextNode quantity(long n) {
    return quantity(BigInteger.valueOf(n));
  }

  public static ObjectNode block(L2Chain.Block block, boolean fullTransactions) {
    L2Block b = block.block();
    L2Block.Header h = b.header();
    ObjectNode o = JsonRpc.NODES.objectNode();
    o.set("number", quantity(h.number()));
    o.put("hash", b.hash().hex());
    o.put("parentHash", h.parentHash().hex());
    o.put("nonce", "0x0000000000000000");
    o.put("sha3Uncles", L2Block.EMPTY_OMMERS.hex());
    o.put("logsBloom", ZERO_BLOOM);
    o.put("transactionsRoot", h.transactionsRoot().hex());
    o.put("stateRoot", h.stateRoot().hex());
    o.put("receiptsRoot", h.receiptsRoot().hex());
    o.put("miner", h.coinbase().hex());
    o.set("difficulty", quantity(0));
    o.set("totalDifficulty", quantity(0));
    o.put("extraData", h.extraData().hex());
    o.put("mixHash", ZERO_HASH);
    o.set("size", quantity(size(b)));
    o.set("gasLimit", quantity(L2Block.GAS_LIMIT));
    o.set("gasUsed", quantity(h.gasUsed()));
    o.set("timestamp", quantity(h.timestamp()));
    o.set("baseFeePerGas", quantity(0));
    o.put("withdrawalsRoot", MerklePatriciaTrie.EMPTY_ROOT.hex());
    o.set("withdrawals", JsonRpc.NODES.arrayNode());
    o.set("uncles", JsonRpc.NODES.arrayNode());
    ArrayNode txs = o.putArray("transactions");
    for (L2Block.Included t : b.transactions()) {
      txs.add(fullTransactions ? transaction(block, t) : new TextNode(t.transaction().hash().hex()));
    }
    return o;
  }

  /** The block's RLP size: header, transactions, no ommers, no withdrawals. */
  private static long size(L2Block b) {
    List<byte[]> txs = b.transactions().stream().map(t -> t.raw()[0] == 2 ? Rlp.encodeString(t.raw()) : t.raw())
        .toList();
    return Rlp.encodeList(b.header().rlp(), Rlp.encodeList(txs), Rlp.encodeList(), Rlp.encodeList()).length;
  }

  /** A transaction of a block, with the fields of its type and its signature read from its bytes. */
  public static ObjectNode transaction(L2Chain.Block block, L2Block.Included included) {
    Transaction tx = included.transaction();
    byte[] raw = included.raw();
    boolean typed = tx.type() == Transaction.Type.DYNAMIC_FEE;
    List<Rlp.Item> f = Rlp.list(Rlp.decode(typed ? Arrays.copyOfRange(raw, 1, raw.length) : raw), "transaction")
        .items();
    ObjectNode o = JsonRpc.NODES.objectNode();
    o.put("blockHash", block.hash().hex());
    o.set("blockNumber", quantity(block.number()));
    o.put("hash", tx.hash().hex());
    o.put("from", tx.sender().hex());
    o.put("to", tx.to().hex());
    o.set("nonce", quantity(tx.nonce()));
    o.set("gas", quantity(tx.gasLimit()));
    o.set("value", quantity(tx.value()));
    o.set("transactionIndex", quantity(included.index()));
    if (typed) {
      o.set("type", quantity(2));
      o.put("input", Numeric.toHexString(Rlp.bytes(f.get(7), "data")));
      o.set("chainId", quantity(Rlp.uint(f.get(0), 32, "chainId")));
      o.set("maxPriorityFeePerGas", quantity(tx.maxPriorityFeePerGas()));
      o.set("maxFeePerGas", quantity(tx.maxFeePerGas()));
      o.set("gasPrice", quantity(tx.effectiveGasPrice()));
      o.set("accessList", JsonRpc.NODES.arrayNode()); // transfers carry none (rule 3 allows no call)
      BigInteger yParity = Rlp.uint(f.get(9), 1, "yParity");
      o.set("v", quantity(yParity));
      o.set("yParity", quantity(yParity));
      o.set("r", quantity(Rlp.uint(f.get(10), 32, "r")));
      o.set("s", quantity(Rlp.uint(f.get(11), 32, "s")));
    } else {
      o.set("type", quantity(0));
      o.put("input", Numeric.toHexString(Rlp.bytes(f.get(5), "data")));
      BigInteger v = Rlp.uint(f.get(6), 32, "v");
      o.set("chainId", quantity(v.subtract(BigInteger.valueOf(35)).shiftRight(1)));
      o.set("gasPrice", quantity(tx.maxFeePerGas()));
      o.set("v", quantity(v));
      o.set("r", quantity(Rlp.uint(f.get(7), 32, "r")));
      o.set("s", quantity(Rlp.uint(f.get(8), 32, "s")));
    }
    return o;
  }

  /** §8's receipt: status 1, 21000 gas, no logs. */
  public static ObjectNode receipt(L2Chain.Block block, L2Block.Included included) {
    Transaction tx = included.transaction();
    ObjectNode o = JsonRpc.NODES.objectNode();
    o.put("transactionHash", tx.hash().hex());
    o.set("transactionIndex", quantity(included.index()));
    o.put("blockHash", block.hash().hex());
    o.set("blockNumber", quantity(block.number()));
    o.put("from", tx.sender().hex());
    o.put("to", tx.to().hex());
    o.set("cumulativeGasUsed", quantity(included.cumulativeGasUsed()));
    o.set("gasUsed", quantity(Transaction.TRANSFER_GAS));
    o.set("effectiveGasPrice", quantity(tx.effectiveGasPrice()));
    o.set("contractAddress", NullNode.instance);
    o.set("logs", JsonRpc.NODES.arrayNode());
    o.put("logsBloom", ZERO_BLOOM);
    o.set("type", quantity(tx.type() == Transaction.Type.DYNAMIC_FEE ? 2 : 0));
    o.set("status", quantity(1));
    return o;
  }

  public static JsonNode orNull(JsonNode node) {
    return node == null ? NullNode.instance : node;
  }
}
