package zkchain.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;

/**
 * Batch 0 (PROTOCOL.md §3): a geth-format genesis.json, of which version 1 reads
 * {@code config.chainId} and {@code alloc} (address → balance, optionally nonce). The same file
 * starts anvil for conformance runs, so its other fields are left to anvil.
 */
public record Genesis(long chainId, Map<Address, Account> alloc) {
  public Genesis {
    alloc = Map.copyOf(alloc);
  }

  public ChainConfig chainConfig() {
    return new ChainConfig(chainId);
  }

  public static Genesis load(Path file) {
    try {
      return parse(new ObjectMapper().readTree(file.toFile()), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read genesis " + file + ": " + e.getMessage(), e);
    }
  }

  public static Genesis parse(String json) {
    try {
      return parse(new ObjectMapper().readTree(json), "genesis");
    } catch (IOException e) {
      throw new IllegalArgumentException("genesis is not JSON: " + e.getMessage(), e);
    }
  }

  private static Genesis parse(JsonNode root, String source) {
    JsonNode chainId = root.path("config").path("chainId");
    if (!chainId.canConvertToExactIntegral() || !chainId.canConvertToLong()) {
      throw new IllegalArgumentException(source + ": config.chainId must be an integer, got " + chainId);
    }
    Map<Address, Account> alloc = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("alloc").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String where = source + ": alloc " + e.getKey();
      JsonNode code = e.getValue().get("code");
      JsonNode storage = e.getValue().get("storage");
      if ((code != null && !code.asText().isEmpty() && !code.asText().equals("0x"))
          || (storage != null && storage.size() > 0)) {
        throw new IllegalArgumentException(where + " has code or storage; version 1 executes value transfers only");
      }
      Address address;
      try {
        address = Address.of(e.getKey());
      } catch (RuntimeException bad) {
        throw new IllegalArgumentException(where + ": " + bad.getMessage(), bad);
      }
      BigInteger balance = quantity(e.getValue().get("balance"), where + ".balance");
      BigInteger nonce = e.getValue().has("nonce") ? quantity(e.getValue().get("nonce"), where + ".nonce") : BigInteger.ZERO;
      alloc.put(address, new Account(nonce.longValueExact(), balance));
    }
    return new Genesis(chainId.asLong(), alloc);
  }

  /** geth writes quantities as 0x-hex or decimal strings, or plain JSON numbers. */
  private static BigInteger quantity(JsonNode node, String where) {
    if (node == null || node.isNull()) throw new IllegalArgumentException(where + " is missing");
    try {
      if (node.isIntegralNumber()) return requireUnsigned(node.bigIntegerValue(), where);
      String s = node.asText().trim();
      boolean hex = s.startsWith("0x") || s.startsWith("0X");
      return requireUnsigned(new BigInteger(hex ? s.substring(2) : s, hex ? 16 : 10), where);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(where + " is not a number: " + node, e);
    }
  }

  private static BigInteger requireUnsigned(BigInteger n, String where) {
    if (n.signum() < 0) throw new IllegalArgumentException(where + " is negative: " + n);
    return n;
  }

  /**
   * Writes the allocation into the store and returns the genesis state root. Every allocated
   * account is stored, an empty one too, as geth does: nothing has touched it yet.
   */
  public Hash32 write(NodeStore store) {
    MerklePatriciaTrie trie = MerklePatriciaTrie.empty(store);
    for (Map.Entry<Address, Account> e : alloc.entrySet()) {
      trie = trie.put(Hash32.keccak(e.getKey().bytes()).bytes(), e.getValue().encode());
    }
    return trie.commit();
  }
}
