package zkchain.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/** Our recovery against web3j's, which signs and recovers independently. */
class Secp256k1Test {
  private final Random random = new Random(3);

  @Test
  void recoversTheSignerAsWeb3jDoes() {
    for (int i = 0; i < 200; i++) {
      ECKeyPair key = ECKeyPair.create(new BigInteger(250, random).add(BigInteger.ONE));
      byte[] hash = new byte[32];
      random.nextBytes(hash);
      Sign.SignatureData sig = Sign.signMessage(hash, key, false);
      BigInteger r = new BigInteger(1, sig.getR());
      BigInteger s = new BigInteger(1, sig.getS());
      int recId = sig.getV()[0] - 27;
      Address expected = Address.of(Keys.getAddress(key));
      assertEquals(expected, Secp256k1.recover(hash, r, s, recId));
      assertTrue(s.compareTo(Secp256k1.HALF_N) <= 0, "web3j signs low-s");
      assertNull(Secp256k1.recover(hash, r, Secp256k1.N.subtract(s), 1 - recId), "EIP-2 refuses the high-s twin");
      assertEquals(Address.ofPublicKey(Sign.recoverFromSignature(1 - recId, new ECDSASignature(r, s), hash)),
          Secp256k1.recover(hash, r, s, 1 - recId), "the other recovery id gives web3j's other key");
    }
  }

  @Test
  void arbitraryRAgreesWithWeb3jIncludingPointsOffTheCurve() {
    int offCurve = 0;
    for (int i = 0; i < 200; i++) {
      BigInteger r = new BigInteger(256, random).mod(Secp256k1.N.subtract(BigInteger.ONE)).add(BigInteger.ONE);
      BigInteger s = new BigInteger(255, random).mod(Secp256k1.HALF_N).add(BigInteger.ONE);
      byte[] hash = Numeric.toBytesPadded(new BigInteger(256, random), 32);
      BigInteger theirs;
      try {
        theirs = Sign.recoverFromSignature(i % 2, new ECDSASignature(r, s), hash);
      } catch (IllegalArgumentException offTheCurve) {
        theirs = null; // web3j throws where a point does not decompress
      }
      Address ours = Secp256k1.recover(hash, r, s, i % 2);
      if (theirs == null) offCurve++;
      assertEquals(theirs == null ? null : Address.ofPublicKey(theirs), ours);
    }
    assertTrue(offCurve > 0, "some random r is not the x of a curve point");
  }

  @Test
  void outOfRangeValuesRecoverNobody() {
    byte[] hash = new byte[32];
    assertNull(Secp256k1.recover(hash, BigInteger.ZERO, BigInteger.ONE, 0));
    assertNull(Secp256k1.recover(hash, Secp256k1.N, BigInteger.ONE, 0));
    assertNull(Secp256k1.recover(hash, BigInteger.ONE, BigInteger.ZERO, 0));
    assertNull(Secp256k1.recover(hash, BigInteger.ONE, BigInteger.ONE, 2));
  }
}
