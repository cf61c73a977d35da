package zkchain.l1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/** The pure decoder nodes use on L1 calldata they do not control. */
class SequenceBatchesCalldataTest {
  static final String COINBASE = "0x" + "ab".repeat(20);

  static final List<BatchData> BATCHES = List.of(
      new BatchData(new byte[0], 0),
      new BatchData(Numeric.hexStringToByteArray("0xc0"), 1_767_225_600L),
      new BatchData(new byte[33], 1_767_225_601L), // crosses a word boundary: padding matters
      new BatchData(new byte[ZkChainRollup.MAX_TRANSACTIONS_BYTE_LENGTH], -1L)); // uint64 max

  static SequenceBatchesCalldata.Invalid invalid(byte[] input) {
    return assertInstanceOf(SequenceBatchesCalldata.Invalid.class, SequenceBatchesCalldata.decode(input));
  }

  @Test
  void selectorIsTheContractsFunctionSelector() {
    assertArrayEquals(Arrays.copyOf(Hash.sha3("sequenceBatches((bytes,uint64)[],address)".getBytes()), 4),
        SequenceBatchesCalldata.selector());
  }

  @Test
  void encodedCallsDecodeToTheSameBatchesAndCoinbase() {
    for (List<BatchData> batches : List.of(BATCHES, BATCHES.subList(1, 2), List.<BatchData>of())) {
      SequenceBatchesCalldata.Valid decoded = assertInstanceOf(SequenceBatchesCalldata.Valid.class,
          SequenceBatchesCalldata.decode(SequenceBatchesCalldata.encode(batches, COINBASE)));
      assertEquals(batches, decoded.batches());
      assertEquals(COINBASE, decoded.l2Coinbase());
    }
  }

  @Test
  void inputsThatAreNotASequenceBatchesCallAreInvalidWithAReason() {
    assertTrue(invalid(null).reason().contains("missing"));
    assertTrue(invalid(new byte[] {1, 2, 3}).reason().contains("shorter than a selector"));
    byte[] otherFunction = SequenceBatchesCalldata.encode(BATCHES, COINBASE);
    otherFunction[0] ^= 1;
    assertTrue(invalid(otherFunction).reason().contains("is not sequenceBatches"));
    assertTrue(invalid(SequenceBatchesCalldata.selector()).reason().contains("past the calldata end"));
  }

  @Test
  void malformedArgumentsAreInvalidWithAReason() {
    byte[] good = SequenceBatchesCalldata.encode(BATCHES.subList(1, 2), COINBASE);
    // Layout after the selector: [0] array offset, [32] coinbase, [64] array length, [96] tuple offset,
    // [128] bytes offset, [160] timestamp, [192] bytes length, [224] bytes data.
    byte[] dirtyCoinbase = good.clone();
    dirtyCoinbase[4 + 32] = 1;
    assertTrue(invalid(dirtyCoinbase).reason().contains("l2Coinbase has non-zero bytes"));

    byte[] timestampOver64Bits = good.clone();
    timestampOver64Bits[4 + 160 + 23] = 1;
    assertTrue(invalid(timestampOver64Bits).reason().contains("timestamp"));

    byte[] hugeCount = good.clone();
    Arrays.fill(hugeCount, 4 + 64 + 24, 4 + 96, (byte) 0x7f);
    assertTrue(invalid(hugeCount).reason().contains("batches length"));

    byte[] offsetPastEnd = good.clone();
    offsetPastEnd[4 + 31] = (byte) 0xff;
    offsetPastEnd[4 + 30] = (byte) 0xff;
    assertTrue(invalid(offsetPastEnd).reason().contains("batches offset"));

    byte[] bytesLengthPastEnd = good.clone();
    bytesLengthPastEnd[4 + 192 + 30] = 1;
    assertTrue(invalid(bytesLengthPastEnd).reason().contains("runs past the calldata end"));
  }

  @Test
  void truncatedCalldataNeverDecodesToOtherData() {
    byte[] good = SequenceBatchesCalldata.encode(BATCHES.subList(0, 3), COINBASE);
    for (int len = 0; len < good.length; len++) {
      SequenceBatchesCalldata.Decoded d = SequenceBatchesCalldata.decode(Arrays.copyOf(good, len));
      // Solidity does not require a bytes value's zero padding to be present; nothing else may go missing.
      if (d instanceof SequenceBatchesCalldata.Valid v) {
        assertEquals(BATCHES.subList(0, 3), v.batches(), "prefix of " + len + " bytes");
      }
    }
  }

  @Test
  void garbageNeverThrows() {
    Random random = new Random(42);
    byte[] selector = SequenceBatchesCalldata.selector();
    for (int i = 0; i < 20_000; i++) {
      byte[] input = new byte[random.nextInt(400)];
      random.nextBytes(input);
      if (input.length >= 4 && random.nextBoolean()) System.arraycopy(selector, 0, input, 0, 4);
      // Small words make offsets and lengths plausible, so the decoder's deeper paths run too.
      for (int w = 4; w + 32 <= input.length; w += 32) {
        if (random.nextInt(3) > 0) {
          Arrays.fill(input, w, w + 31, (byte) 0);
          input[w + 31] = (byte) (random.nextInt(8) * 32);
        }
      }
      SequenceBatchesCalldata.decode(input); // returns Valid or Invalid, never throws
    }
  }
}
