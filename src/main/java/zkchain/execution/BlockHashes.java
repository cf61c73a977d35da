package zkchain.execution;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import zkchain.protocol.Hash32;

/**
 * Block hashes already computed (PROTOCOL.md §8), by batch number and accInputHash: the pair
 * fixes the block, so an entry never goes stale; another version of the batch is another entry.
 */
public interface BlockHashes {
  record Known(long number, Hash32 accInputHash, Hash32 hash) {}

  Optional<Hash32> get(long number, Hash32 accInputHash);

  void put(long number, Hash32 accInputHash, Hash32 hash);

  /** Every (number, accInputHash) this hash was computed for: one, barring a keccak collision. */
  List<Known> byHash(Hash32 hash);

  /** In the heap: tests and short-lived chains. */
  static BlockHashes inMemory() {
    Map<Hash32, Known> byAccInputHash = new ConcurrentHashMap<>();
    return new BlockHashes() {
      @Override
      public Optional<Hash32> get(long number, Hash32 accInputHash) {
        Known k = byAccInputHash.get(accInputHash);
        return k != null && k.number() == number ? Optional.of(k.hash()) : Optional.empty();
      }

      @Override
      public void put(long number, Hash32 accInputHash, Hash32 hash) {
        byAccInputHash.put(accInputHash, new Known(number, accInputHash, hash));
      }

      @Override
      public List<Known> byHash(Hash32 hash) {
        List<Known> out = new ArrayList<>();
        byAccInputHash.values().forEach(k -> {
          if (k.hash().equals(hash)) out.add(k);
        });
        return out;
      }
    };
  }
}
