package zkchain.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;

class FeedMessageTest {
  static final long CHAIN = 1001;
  static final Credentials SEQUENCER = Credentials.create(DevKeys.key(DevKeys.SEQUENCER));
  static final Address COINBASE = Address.of("0x00000000000000000000000000000000c0ffee00");
  static final Batch BATCH = new Batch(12, BatchTransactions.encode(java.util.List.of(new byte[] {1, 2})),
      1_767_225_600L, COINBASE);
  static final Hash32 ROOT = Hash32.keccak(new byte[] {9});
  static final Hash32 ACC = Hash32.keccak(new byte[] {8});

  @Test
  void signatureRecoversTheSequencer() {
    FeedMessage.BatchMessage m = FeedMessage.BatchMessage.signed(CHAIN, BATCH, ROOT, ACC, SEQUENCER.getEcKeyPair());
    assertEquals(65, m.signature().length);
    int v = m.signature()[64] & 0xff;
    assertTrue(v == 27 || v == 28);
    assertEquals(Optional.of(Txs.address(SEQUENCER)), m.signer());
    assertTrue(FeedSignature.verify(CHAIN, BATCH, ROOT, m.signature(), Txs.address(SEQUENCER)));
    assertTrue(m.signedBy(Txs.address(SEQUENCER), CHAIN));
    assertFalse(m.signedBy(Txs.address(SEQUENCER), CHAIN + 1), "a message for another chain");
    assertFalse(m.signedBy(Address.ZERO, CHAIN));
    // web3j's own recovery, of a digest computed independently of FeedSignature.digest
    String packed = Numeric.toHexString("zkchain-batch-v1".getBytes()) + String.format("%016x%016x", CHAIN, 12)
        + Numeric.cleanHexPrefix(BATCH.transactionsHash().hex()) + String.format("%016x", BATCH.timestamp())
        + Numeric.cleanHexPrefix(COINBASE.hex()) + Numeric.cleanHexPrefix(ROOT.hex());
    byte[] digest = org.web3j.crypto.Hash.sha3(Numeric.hexStringToByteArray(packed));
    assertEquals(Hash32.keccak(Numeric.hexStringToByteArray(packed)), m.digest());
    byte[] sig = m.signature();
    BigInteger key = Sign.recoverFromSignature(v - 27,
        new org.web3j.crypto.ECDSASignature(new BigInteger(1, Arrays.copyOfRange(sig, 0, 32)),
            new BigInteger(1, Arrays.copyOfRange(sig, 32, 64))), digest);
    assertEquals(Txs.address(SEQUENCER), Address.ofPublicKey(key));
  }

  @Test
  void tamperingAnyFieldChangesTheSigner() {
    byte[] sig = FeedSignature.sign(FeedSignature.digest(CHAIN, BATCH, ROOT), SEQUENCER.getEcKeyPair());
    Address seq = Txs.address(SEQUENCER);
    assertFalse(FeedSignature.verify(CHAIN + 1, BATCH, ROOT, sig, seq), "chainId");
    assertFalse(FeedSignature.verify(CHAIN, new Batch(13, BATCH.transactions(), BATCH.timestamp(), COINBASE), ROOT, sig, seq), "number");
    assertFalse(FeedSignature.verify(CHAIN, new Batch(12, new byte[] {(byte) 0xc0}, BATCH.timestamp(), COINBASE), ROOT, sig, seq), "transactions");
    assertFalse(FeedSignature.verify(CHAIN, new Batch(12, BATCH.transactions(), BATCH.timestamp() + 1, COINBASE), ROOT, sig, seq), "timestamp");
    assertFalse(FeedSignature.verify(CHAIN, new Batch(12, BATCH.transactions(), BATCH.timestamp(), Address.ZERO), ROOT, sig, seq), "coinbase");
    assertFalse(FeedSignature.verify(CHAIN, BATCH, ACC, sig, seq), "stateRoot");
    byte[] flipped = sig.clone();
    flipped[10] ^= 1;
    assertFalse(FeedSignature.verify(CHAIN, BATCH, ROOT, flipped, seq), "a flipped bit of r");
    assertFalse(FeedSignature.verify(CHAIN, BATCH, ROOT, sig, Txs.address(Credentials.create(DevKeys.key(0)))),
        "another expected signer");
  }

  @Test
  void malformedSignaturesRecoverNobody() {
    Hash32 digest = FeedSignature.digest(CHAIN, BATCH, ROOT);
    byte[] sig = FeedSignature.sign(digest, SEQUENCER.getEcKeyPair());
    assertTrue(FeedSignature.recover(digest, Arrays.copyOf(sig, 64)).isEmpty(), "64 bytes");
    byte[] v0 = sig.clone();
    v0[64] -= 27;
    assertTrue(FeedSignature.recover(digest, v0).isEmpty(), "v in {0, 1}");
    byte[] highS = sig.clone();
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    System.arraycopy(Numeric.toBytesPadded(TransactionDecoder.SECP256K1_N.subtract(s), 32), 0, highS, 32, 32);
    highS[64] = (byte) (sig[64] == 27 ? 28 : 27);
    assertTrue(FeedSignature.recover(digest, highS).isEmpty(), "the malleated high-s twin");
  }

  @Test
  void batchMessageJsonRoundTrip() {
    FeedMessage.BatchMessage m = FeedMessage.BatchMessage.signed(CHAIN, BATCH, ROOT, ACC, SEQUENCER.getEcKeyPair());
    String json = m.toJson();
    assertTrue(json.startsWith("{\"type\":\"batch\",\"chainId\":1001,\"number\":12,"), json);
    assertEquals(m, FeedMessage.parse(json));
    assertEquals(new FeedMessage.Heartbeat(12), FeedMessage.parse("{\"type\":\"heartbeat\",\"head\":12}"));
    assertEquals(new FeedMessage.Heartbeat(3), FeedMessage.parse(new FeedMessage.Heartbeat(3).toJson()));
  }

  @Test
  void malformedFramesSayWhatIsWrong() {
    String good = FeedMessage.BatchMessage.signed(CHAIN, BATCH, ROOT, ACC, SEQUENCER.getEcKeyPair()).toJson();
    assertError("not JSON", "{");
    assertError("not a JSON object", "[1]");
    assertError("lacks \"type\"", "{}");
    assertError("unknown feed message type \"gossip\"", "{\"type\":\"gossip\"}");
    assertError("\"head\" must be an integer", "{\"type\":\"heartbeat\",\"head\":\"12\"}");
    assertError("\"head\" = -1 is out of range", "{\"type\":\"heartbeat\",\"head\":-1}");
    assertError("lacks \"stateRoot\"", good.replace("\"stateRoot\"", "\"stateroot\""));
    assertError("\"coinbase\" must be 20 bytes", good.replace(Numeric.cleanHexPrefix(COINBASE.hex()), "c0ffee"));
    assertError("\"transactions\" must be 0x-prefixed hex", good.replace("\"transactions\":\"0x", "\"transactions\":\"0xz"));
    assertError("\"signature\" must be 65 bytes", good.replaceAll("\"signature\":\"0x[0-9a-f]+\"", "\"signature\":\"0x00\""));
  }

  private static void assertError(String expectedPart, String json) {
    FeedMessageException e = assertThrows(FeedMessageException.class, () -> FeedMessage.parse(json));
    assertTrue(e.getMessage().contains(expectedPart), "\"" + e.getMessage() + "\" should contain \"" + expectedPart + "\"");
  }

  @Test
  void unknownFieldsAreIgnored() {
    FeedMessage m = FeedMessage.parse("{\"type\":\"heartbeat\",\"head\":1,\"version\":2}");
    assertInstanceOf(FeedMessage.Heartbeat.class, m);
    assertNotEquals(new FeedMessage.Heartbeat(2), m);
  }
}
