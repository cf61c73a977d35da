package zkchain.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;
import zkchain.protocol.Secp256k1.Backend;

/**
 * libsecp256k1 against Bouncy Castle on the same inputs: random signatures and hostile ones; both
 * backends must give the same address or both null, and the native library must never throw.
 */
class Secp256k1DifferentialTest {
  static final int CASES = 100_000;
  static final long SEED = 0x5ec9256b1L;
  static final BigInteger N = Secp256k1.N;
  static final BigInteger HALF_N = Secp256k1.HALF_N;
  static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
  static final BigInteger P = CURVE.getCurve().getField().getCharacteristic();
  static final BigInteger TWO_256 = BigInteger.ONE.shiftLeft(256);
  static final byte[] ZEROS = new byte[32];
  static final byte[] ONES = filled(0xff);

  /** A signature to recover; {@code expected} is "null" (both refuse), "key" (both recover) or "same" (they agree). */
  record Case(String kind, byte[] hash, BigInteger r, BigInteger s, int recoveryId, String expected) {}

  @BeforeEach
  void nativeLibraryIsLoaded() {
    boolean forcedOff = "bouncy-castle".equals(System.getProperty(Secp256k1.BACKEND_PROPERTY));
    assumeTrue(!forcedOff, "-D" + Secp256k1.BACKEND_PROPERTY + "=bouncy-castle: only one backend to compare");
    String arch = System.getProperty("os.arch");
    boolean shipped = System.getProperty("os.name").startsWith("Linux") && List.of("amd64", "aarch64").contains(arch);
    if (shipped) assertEquals("libsecp256k1", Secp256k1.backend(), "the jar carries libsecp256k1 for Linux " + arch);
    assumeTrue(Secp256k1.nativeLoaded(), "libsecp256k1 did not load on this platform (see the WARN): nothing to compare");
  }

  @Test
  void bothBackendsRecoverTheSameFromRandomAndHostileSignatures() {
    Map<String, LongAdder> recovered = new ConcurrentHashMap<>();
    Map<String, LongAdder> total = new ConcurrentHashMap<>();
    Queue<String> disagreements = new ConcurrentLinkedQueue<>();
    IntStream.range(0, CASES).parallel().forEach(i -> {
      Case c = hostileOrRandom(i);
      Address nat = Secp256k1.recover(Backend.LIBSECP256K1, c.hash(), c.r(), c.s(), c.recoveryId());
      Address bc = Secp256k1.recover(Backend.BOUNCY_CASTLE, c.hash(), c.r(), c.s(), c.recoveryId());
      total.computeIfAbsent(c.kind(), k -> new LongAdder()).increment();
      if (nat != null) recovered.computeIfAbsent(c.kind(), k -> new LongAdder()).increment();
      boolean ok = switch (c.expected()) {
        case "null" -> nat == null && bc == null;
        case "key" -> nat != null && nat.equals(bc);
        default -> nat == null ? bc == null : nat.equals(bc);
      };
      if (!ok) disagreements.add("case " + i + " " + c + ": libsecp256k1 " + nat + ", bouncy-castle " + bc);
    });
    assertTrue(disagreements.isEmpty(), disagreements.size() + " disagreements, first: "
        + disagreements.stream().limit(5).toList());
    assertEquals(CASES, total.values().stream().mapToLong(LongAdder::sum).sum());
    // not a vacuous agreement on null: about half of random r are the x of a curve point
    long randomTotal = total.get("random").sum();
    long randomRecovered = recovered.get("random").sum();
    assertTrue(randomRecovered > randomTotal / 3 && randomRecovered < randomTotal * 2 / 3,
        randomRecovered + " of " + randomTotal + " random signatures recovered");
    assertTrue(recovered.get("edge").sum() > 0, "some edge values are valid signatures");
  }

  /**
   * The native library alone, without the protocol's checks in front of it: it never throws, it
   * refuses what it must, and it accepts what only our checks refuse (high s, recovery id 2).
   */
  @Test
  void libsecp256k1AloneNeverThrowsAndIsNotTheOnlyGuard() {
    Random random = new Random(SEED);
    byte[] hash = Hash32.keccak(new byte[] {42}).bytes();
    BigInteger s = randomBelow(random, HALF_N);
    BigInteger r = curveX(random);
    for (BigInteger bad : List.of(BigInteger.ZERO, N, N.add(BigInteger.ONE), TWO_256.subtract(BigInteger.ONE),
        TWO_256, BigInteger.ONE.negate())) {
      assertNull(Secp256k1.nativePublicKey(hash, bad, s, 0), "r = " + bad);
      assertNull(Secp256k1.nativePublicKey(hash, r, bad, 0), "s = " + bad);
    }
    for (int id : new int[] {-1, 4, 1000, Integer.MIN_VALUE}) {
      assertNull(Secp256k1.nativePublicKey(hash, r, s, id), "recovery id " + id);
    }
    assertNull(Secp256k1.nativePublicKey(hash, offCurveX(random), s, 0), "r not the x of a point");
    Case infinity = atInfinity(random);
    assertNull(Secp256k1.nativePublicKey(infinity.hash(), infinity.r(), infinity.s(), infinity.recoveryId()));

    assertNotNull(Secp256k1.nativePublicKey(hash, r, N.subtract(s), 0), "libsecp256k1 recovers high s");
    assertNull(Secp256k1.recover(Backend.LIBSECP256K1, hash, r, N.subtract(s), 0), "EIP-2 is our check");
    BigInteger smallR = BigInteger.ONE;
    while (!isCurveXByDecompression(smallR.add(N))) smallR = smallR.add(BigInteger.ONE);
    assertNotNull(Secp256k1.nativePublicKey(hash, smallR, s, 2), "libsecp256k1 takes x = r + n for id 2");
    assertNull(Secp256k1.recover(Backend.LIBSECP256K1, hash, smallR, s, 2), "ids 2 and 3 are refused by our check");
  }

  /** Our Jacobi-symbol test of r against Bouncy Castle's point decompression (a square root). */
  @Test
  void curveXCheckAgreesWithBouncyCastleDecompression() {
    Random random = new Random(SEED + 1);
    List<BigInteger> edges = List.of(BigInteger.ZERO, BigInteger.ONE, BigInteger.TWO, HALF_N, N.subtract(BigInteger.ONE),
        N, P.subtract(BigInteger.ONE), CURVE.getG().getAffineXCoord().toBigInteger());
    edges.forEach(x -> assertEquals(isCurveXByDecompression(x), Secp256k1.isCurveX(x), "x = " + x));
    long onCurve = IntStream.range(0, 20_000).parallel().filter(i -> {
      BigInteger x = new BigInteger(256, new Random(SEED + i)).mod(P);
      boolean ours = Secp256k1.isCurveX(x);
      assertEquals(isCurveXByDecompression(x), ours, "x = " + x);
      return ours;
    }).count();
    assertTrue(onCurve > 9_000 && onCurve < 11_000, onCurve + " of 20000");
  }

  /** RFC 6979 on both sides: the same nonce, so the same low-s bytes, recovering to the signer on both backends. */
  @Test
  void nativeAndWeb3jSignaturesAreTheSameLowSSignatureOfTheSigner() {
    Random random = new Random(SEED + 2);
    for (int i = 0; i < 300; i++) {
      ECKeyPair key = ECKeyPair.create(randomBelow(random, N));
      byte[] hash = i == 0 ? ZEROS : i == 1 ? ONES : randomHash(random);
      Address signer = Address.ofPublicKey(key.getPublicKey());
      byte[] nat = Secp256k1.sign(Backend.LIBSECP256K1, hash, key);
      byte[] web3j = Secp256k1.sign(Backend.BOUNCY_CASTLE, hash, key);
      for (byte[] sig : List.of(nat, web3j)) {
        assertEquals(65, sig.length);
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(sig, 0, 32));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
        int v = sig[64];
        assertTrue(v == 27 || v == 28, "v = " + v);
        assertTrue(s.compareTo(HALF_N) <= 0, "low s");
        assertEquals(signer, Secp256k1.recover(Backend.LIBSECP256K1, hash, r, s, v - 27));
        assertEquals(signer, Secp256k1.recover(Backend.BOUNCY_CASTLE, hash, r, s, v - 27));
      }
      assertArrayEquals(web3j, nat, "signature " + i);
    }
  }

  @Test
  void signingRefusesAKeyOutsideTheGroup() {
    byte[] hash = randomHash(new Random(SEED + 3));
    for (BigInteger d : List.of(BigInteger.ZERO, N, TWO_256)) {
      ECKeyPair key = new ECKeyPair(d, BigInteger.ONE);
      assertThrows(IllegalArgumentException.class,
          () -> Secp256k1.sign(Backend.LIBSECP256K1, hash, key), "private key " + d);
    }
  }

  /** Case i: about half random signatures, the rest each kind of hostile input in turn. */
  static Case hostileOrRandom(int i) {
    Random random = new Random(SEED * 1_000_003L + i);
    byte[] hash = randomHash(random);
    BigInteger r = randomBelow(random, N);
    BigInteger lowS = randomBelow(random, HALF_N);
    int id = random.nextInt(2);
    return switch (i % 20) {
      case 8 -> new Case("any", hash, new BigInteger(256, random), new BigInteger(256, random), random.nextInt(4), "same");
      case 9 -> new Case("high-s", hash, r, HALF_N.add(randomBelow(random, N.subtract(HALF_N).subtract(BigInteger.ONE))),
          id, "null");
      case 10 -> {
        BigInteger[] bad = {BigInteger.ZERO, N, N.add(randomBelow(random, TWO_256.subtract(N))), TWO_256.subtract(BigInteger.ONE)};
        BigInteger b = bad[random.nextInt(bad.length)];
        yield random.nextBoolean() ? new Case("out-of-range", hash, b, lowS, id, "null")
            : new Case("out-of-range", hash, r, b, id, "null");
      }
      case 11 -> {
        BigInteger[] edges = {BigInteger.ONE, BigInteger.TWO, N.subtract(BigInteger.ONE), N.subtract(BigInteger.TWO), HALF_N,
            HALF_N.add(BigInteger.ONE)};
        yield new Case("edge", hash, edges[random.nextInt(edges.length)], lowS, id, "same");
      }
      case 12 -> {
        BigInteger[] edges = {BigInteger.ONE, BigInteger.TWO, HALF_N, HALF_N.subtract(BigInteger.ONE)};
        yield new Case("edge", hash, r, edges[random.nextInt(edges.length)], id, "same");
      }
      case 13 -> new Case("recovery-id", hash, random.nextBoolean() ? r : BigInteger.valueOf(1 + random.nextInt(1000)),
          lowS, 2 + random.nextInt(2), "null");
      case 14 -> {
        byte[][] hashes = {ZEROS, ONES, Numeric.toBytesPadded(N, 32), Numeric.toBytesPadded(N.subtract(BigInteger.ONE), 32),
            Numeric.toBytesPadded(r, 32)};
        yield new Case("hash-edge", hashes[random.nextInt(hashes.length)], r, lowS, id, "same");
      }
      case 15 -> new Case("off-curve", hash, offCurveX(random), lowS, id, "null");
      case 16 -> atInfinity(random);
      case 17 -> new Case("on-curve", hash, curveX(random), lowS, id, "key");
      default -> new Case("random", hash, r, lowS, id, "same");
    };
  }

  /**
   * A signature whose recovered point is the point at infinity: R = kG, s = e/k, so s·R = e·G
   * (negating R and s when s is high keeps s·R).
   */
  static Case atInfinity(Random random) {
    while (true) {
      byte[] hash = randomHash(random);
      BigInteger k = randomBelow(random, N);
      ECPoint bigR = CURVE.getG().multiply(k).normalize();
      BigInteger r = bigR.getAffineXCoord().toBigInteger();
      BigInteger s = new BigInteger(1, hash).mod(N).multiply(k.modInverse(N)).mod(N);
      if (r.compareTo(N) >= 0 || s.signum() == 0) continue;
      int id = bigR.getAffineYCoord().testBitZero() ? 1 : 0;
      if (s.compareTo(HALF_N) > 0) {
        s = N.subtract(s);
        id ^= 1;
      }
      return new Case("infinity", hash, r, s, id, "null");
    }
  }

  static BigInteger curveX(Random random) {
    BigInteger x;
    do x = randomBelow(random, N); while (!isCurveXByDecompression(x));
    return x;
  }

  static BigInteger offCurveX(Random random) {
    BigInteger x;
    do x = randomBelow(random, N); while (isCurveXByDecompression(x));
    return x;
  }

  static boolean isCurveXByDecompression(BigInteger x) {
    byte[] encoded = new byte[33];
    encoded[0] = 0x02;
    System.arraycopy(Numeric.toBytesPadded(x, 32), 0, encoded, 1, 32);
    try {
      CURVE.getCurve().decodePoint(encoded);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Uniform in [1, bound − 1]. */
  static BigInteger randomBelow(Random random, BigInteger bound) {
    BigInteger x;
    do x = new BigInteger(bound.bitLength(), random); while (x.signum() == 0 || x.compareTo(bound) >= 0);
    return x;
  }

  static byte[] randomHash(Random random) {
    byte[] hash = new byte[32];
    random.nextBytes(hash);
    return hash;
  }

  static byte[] filled(int b) {
    byte[] x = new byte[32];
    Arrays.fill(x, (byte) b);
    return x;
  }
}
