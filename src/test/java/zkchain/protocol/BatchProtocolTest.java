package zkchain.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

class BatchProtocolTest {
  static final Address COINBASE = Address.of("0x00000000000000000000000000000000c0ffee00");

  @Test
  void accInputHashIsKeccakOfThePackedFields() {
    byte[] txs = BatchTransactions.encode(List.of(new byte[] {1, 2, 3}, new byte[] {4}));
    long timestamp = 1_767_225_600L;
    // abi.encodePacked(bytes32, bytes32, uint64, address), spelled out in hex independently
    String packed = "0x" + "00".repeat(32)
        + Numeric.cleanHexPrefix(Numeric.toHexString(Hash.sha3(txs)))
        + String.format("%016x", timestamp)
        + Numeric.cleanHexPrefix(COINBASE.hex());
    Hash32 expected1 = new Hash32(Hash.sha3(Numeric.hexStringToByteArray(packed)));
    Hash32 h1 = AccInputHash.next(AccInputHash.GENESIS, new Batch(1, txs, timestamp, COINBASE));
    assertEquals(expected1, h1);
    assertEquals(Hash32.ZERO, AccInputHash.GENESIS);

    String packed2 = h1.hex() + Numeric.cleanHexPrefix(Numeric.toHexString(Hash.sha3(new byte[] {(byte) 0xc0})))
        + String.format("%016x", timestamp + 1) + Numeric.cleanHexPrefix(COINBASE.hex());
    assertEquals(new Hash32(Hash.sha3(Numeric.hexStringToByteArray(packed2))),
        AccInputHash.next(h1, new byte[] {(byte) 0xc0}, timestamp + 1, COINBASE), "chains on the previous hash");
  }

  @Test
  void batchTransactionsRoundTrip() {
    List<byte[]> raw = List.of(new byte[] {0x02, 0x01}, new byte[60], new byte[0]);
    List<byte[]> back = BatchTransactions.decode(BatchTransactions.encode(raw)).orElseThrow();
    assertEquals(3, back.size());
    for (int i = 0; i < 3; i++) assertArrayEquals(raw.get(i), back.get(i));
    assertEquals(Optional.of(List.of()).map(List::size), BatchTransactions.decode(new byte[] {(byte) 0xc0}).map(List::size));
  }

  @Test
  void anyBytesDecodeWithoutThrowing() {
    assertTrue(BatchTransactions.decode(new byte[0]).isEmpty());
    assertTrue(BatchTransactions.decode(Numeric.hexStringToByteArray("0xdeadbeef")).isEmpty());
    assertTrue(BatchTransactions.decode(Numeric.hexStringToByteArray("0xc3c20102")).isEmpty(), "a nested list");
    assertTrue(BatchTransactions.decode(Numeric.hexStringToByteArray("0xc28101")).isEmpty(), "non-canonical byte");
    assertTrue(BatchTransactions.decode(Numeric.hexStringToByteArray("0xffffffffff")).isEmpty(), "huge length");
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < 10_000; i++) {
      byte[] garbage = new byte[random.nextInt(64)];
      random.nextBytes(garbage);
      if (random.nextBoolean() && garbage.length > 0) garbage[0] = (byte) (0xc0 + random.nextInt(64));
      BatchTransactions.decode(garbage);
    }
  }

  @Test
  void sizeLimitIsEnforcedBothWays() {
    byte[] big = new byte[BatchTransactions.MAX_BYTES];
    assertThrows(IllegalArgumentException.class, () -> BatchTransactions.encode(List.of(big)));
    byte[] over = Rlp.encodeList(Rlp.encodeString(big));
    assertTrue(BatchTransactions.decode(over).isEmpty());
    byte[] under = Rlp.encodeList(Rlp.encodeString(new byte[BatchTransactions.MAX_BYTES - 10]));
    assertTrue(under.length <= BatchTransactions.MAX_BYTES);
    assertTrue(BatchTransactions.decode(under).isPresent());
  }

  @Test
  void batchEqualityIsByContent() {
    assertEquals(new Batch(1, new byte[] {1}, 5, COINBASE), new Batch(1, new byte[] {1}, 5, COINBASE));
    assertNotEquals(new Batch(1, new byte[] {1}, 5, COINBASE), new Batch(1, new byte[] {2}, 5, COINBASE));
  }
}
