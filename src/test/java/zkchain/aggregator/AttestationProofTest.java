package zkchain.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;

class AttestationProofTest {
  static final String AGGREGATOR = "0x" + "a1".repeat(20);
  static final byte[] OLD_ROOT = filled(0x01), OLD_ACC = filled(0x02), NEW_ROOT = filled(0x03), NEW_ACC = filled(0x04);

  static byte[] filled(int b) {
    byte[] x = new byte[32];
    Arrays.fill(x, (byte) b);
    return x;
  }

  @Test
  void packedInputsFollowAbiEncodePackedWithUint64Numbers() {
    byte[] packed = AttestationProof.packedInputs(AGGREGATOR, OLD_ROOT, OLD_ACC, 7, 1001, NEW_ROOT, NEW_ACC, 9);
    byte[] expected = ByteBuffer.allocate(172)
        .put(filled(0xa1), 0, 20).put(OLD_ROOT).put(OLD_ACC)
        .put(new byte[] {0, 0, 0, 0, 0, 0, 0, 7})
        .put(new byte[] {0, 0, 0, 0, 0, 0, 0x03, (byte) 0xe9})
        .put(NEW_ROOT).put(NEW_ACC)
        .put(new byte[] {0, 0, 0, 0, 0, 0, 0, 9}).array();
    assertArrayEquals(expected, packed);
  }

  @Test
  void inputSnarkIsSha256OfThePackedInputsReducedIntoTheField() throws Exception {
    BigInteger snark = AttestationProof.inputSnark(AGGREGATOR, OLD_ROOT, OLD_ACC, 7, 1001, NEW_ROOT, NEW_ACC, 9);
    byte[] sha = MessageDigest.getInstance("SHA-256")
        .digest(AttestationProof.packedInputs(AGGREGATOR, OLD_ROOT, OLD_ACC, 7, 1001, NEW_ROOT, NEW_ACC, 9));
    assertEquals(new BigInteger(1, sha).mod(AttestationProof.SNARK_SCALAR_FIELD), snark);
    assertTrue(snark.compareTo(AttestationProof.SNARK_SCALAR_FIELD) < 0);
    assertNotEquals(snark, AttestationProof.inputSnark(AGGREGATOR, OLD_ROOT, OLD_ACC, 7, 1002, NEW_ROOT, NEW_ACC, 9));
  }

  @Test
  void theProofIsTheProversLowSSignatureRecoveringToTheProver() {
    Credentials prover = Credentials.create(DevKeys.key(DevKeys.PROVER));
    BigInteger snark = AttestationProof.inputSnark(AGGREGATOR, OLD_ROOT, OLD_ACC, 0, 1001, NEW_ROOT, NEW_ACC, 1);
    byte[] proof = AttestationProof.sign(snark, prover.getEcKeyPair());
    assertEquals(65, proof.length);
    assertTrue(proof[64] == 27 || proof[64] == 28);
    BigInteger halfN = new BigInteger("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", 16);
    assertTrue(new BigInteger(1, Arrays.copyOfRange(proof, 32, 64)).compareTo(halfN) <= 0);
    assertEquals(prover.getAddress(), AttestationProof.signer(snark, proof));
    assertNotEquals(prover.getAddress(), AttestationProof.signer(snark.add(BigInteger.ONE), proof));
  }

  @Test
  void wrongSizedInputsAreRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> AttestationProof.inputSnark("0x1234", OLD_ROOT, OLD_ACC, 0, 1, NEW_ROOT, NEW_ACC, 1));
    assertThrows(IllegalArgumentException.class,
        () -> AttestationProof.inputSnark(AGGREGATOR, new byte[31], OLD_ACC, 0, 1, NEW_ROOT, NEW_ACC, 1));
  }
}
