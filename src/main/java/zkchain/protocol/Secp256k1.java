package zkchain.protocol;

import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;

/**
 * Public-key recovery and signing on secp256k1. The curve arithmetic runs in libsecp256k1 (Bitcoin
 * Core's library, through ACINQ's JNI binding, whose jar carries the native library) where it
 * loads, and in Bouncy Castle (web3j's Sign for signing) where it does not; the backend is chosen
 * once, when this class loads, and logged. {@code -Dzkchain.secp256k1=bouncy-castle} forces the
 * fallback without loading the native library.
 *
 * <p>Every rule of recovery is checked here before either backend runs: r and s in [1, n−1],
 * s ≤ n/2 (EIP-2), recovery id 0 or 1, r the x of a curve point; and what the native library
 * returns must be a point on the curve (the point at infinity has no such encoding). So neither
 * library is the only guard, and a hostile signature gives null, never an exception.
 */
public final class Secp256k1 {
  private Secp256k1() {}

  private static final Logger LOG = LoggerFactory.getLogger(Secp256k1.class);

  /** Where the curve arithmetic runs. */
  public enum Backend {
    LIBSECP256K1("libsecp256k1"),
    BOUNCY_CASTLE("bouncy-castle");

    private final String label;

    Backend(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** System property naming the backend; {@code bouncy-castle} forces the fallback. */
  public static final String BACKEND_PROPERTY = "zkchain.secp256k1";

  private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
  public static final BigInteger N = CURVE.getN();
  public static final BigInteger HALF_N = N.shiftRight(1);
  private static final BigInteger P = CURVE.getCurve().getField().getCharacteristic();
  private static final BigInteger B = CURVE.getCurve().getB().toBigInteger();
  private static final ECPoint G = CURVE.getG();
  private static final ECCurve C = CURVE.getCurve();

  /** The binding, or null when the native library is not in use. */
  private static final fr.acinq.secp256k1.Secp256k1 NATIVE = loadNative();
  private static final Backend ACTIVE = NATIVE != null ? Backend.LIBSECP256K1 : Backend.BOUNCY_CASTLE;

  /** "libsecp256k1" or "bouncy-castle": where recovery and signing run in this process. */
  public static String backend() {
    return ACTIVE.toString();
  }

  /** True when libsecp256k1 loaded (and was not forced off), so both backends can be asked by name. */
  public static boolean nativeLoaded() {
    return NATIVE != null;
  }

  /**
   * The address whose key signed {@code hash} with (r, s) and recovery id 0 or 1, or null when r
   * or s is out of [1, n−1], s > n/2 (EIP-2; every caller in the protocol requires low s), r is
   * not the x of a curve point, or the result is the point at infinity.
   */
  public static Address recover(byte[] hash, BigInteger r, BigInteger s, int recoveryId) {
    return recover(ACTIVE, hash, r, s, recoveryId);
  }

  /** {@link #recover(byte[], BigInteger, BigInteger, int)} on a backend named by the caller (tests, benchmarks). */
  public static Address recover(Backend backend, byte[] hash, BigInteger r, BigInteger s, int recoveryId) {
    checkHash(hash);
    if (recoveryId != 0 && recoveryId != 1) return null;
    if (r.signum() <= 0 || r.compareTo(N) >= 0) return null;
    if (s.signum() <= 0 || s.compareTo(HALF_N) > 0) return null;
    if (!isCurveX(r)) return null;
    byte[] publicKey = switch (backend) {
      case LIBSECP256K1 -> nativePublicKey(hash, r, s, recoveryId);
      case BOUNCY_CASTLE -> bouncyCastlePublicKey(hash, r, s, recoveryId);
    };
    if (publicKey == null) return null;
    byte[] hashOfKey = Hash32.keccak(publicKey).bytes();
    return new Address(Arrays.copyOfRange(hashOfKey, 12, 32));
  }

  /**
   * The 65-byte signature r ‖ s ‖ v of {@code hash} (no prefix added): RFC 6979 deterministic
   * nonce, low s, v = 27 + recovery id.
   */
  public static byte[] sign(byte[] hash, ECKeyPair key) {
    return sign(ACTIVE, hash, key);
  }

  /** {@link #sign(byte[], ECKeyPair)} on a backend named by the caller (tests, benchmarks). */
  public static byte[] sign(Backend backend, byte[] hash, ECKeyPair key) {
    checkHash(hash);
    return switch (backend) {
      case LIBSECP256K1 -> nativeSign(hash, key);
      case BOUNCY_CASTLE -> {
        Sign.SignatureData sig = Sign.signMessage(hash, key, false); // web3j: RFC 6979, low s
        yield signature(new BigInteger(1, sig.getR()), new BigInteger(1, sig.getS()), sig.getV()[0] - 27);
      }
    };
  }

  /**
   * 64 bytes x ‖ y of the key libsecp256k1 recovers, or null when it refuses or returns anything
   * but a point on the curve. Runs none of the protocol's checks: {@link #recover} does them first.
   */
  static byte[] nativePublicKey(byte[] hash, BigInteger r, BigInteger s, int recoveryId) {
    byte[] compact = new byte[64];
    if (!put32(r, compact, 0) || !put32(s, compact, 32)) return null;
    fr.acinq.secp256k1.Secp256k1 binding = requireNative();
    byte[] key;
    try {
      key = binding.ecdsaRecover(compact, hash, recoveryId);
    } catch (RuntimeException refused) { // Secp256k1Exception: out of range, no point, infinity
      return null;
    }
    if (key == null || key.length != 65 || key[0] != 0x04) return null;
    BigInteger x = new BigInteger(1, key, 1, 32);
    BigInteger y = new BigInteger(1, key, 33, 32);
    if (!onCurve(x, y)) return null;
    return Arrays.copyOfRange(key, 1, 65);
  }

  /** Q = r⁻¹(s·R − e·G) with Bouncy Castle's curve arithmetic (GLV, Shamir's trick). */
  private static byte[] bouncyCastlePublicKey(byte[] hash, BigInteger r, BigInteger s, int recoveryId) {
    ECPoint bigR = decompress(r, recoveryId == 1);
    if (bigR == null) return null;
    BigInteger rInv = r.modInverse(N);
    BigInteger e = new BigInteger(1, hash);
    BigInteger u1 = N.subtract(e.mod(N)).multiply(rInv).mod(N);
    BigInteger u2 = s.multiply(rInv).mod(N);
    ECPoint q = ECAlgorithms.sumOfTwoMultiplies(G, u1, bigR, u2).normalize();
    if (q.isInfinity()) return null;
    byte[] uncompressed = q.getEncoded(false); // 0x04 ‖ x ‖ y
    return Arrays.copyOfRange(uncompressed, 1, 65);
  }

  /** libsecp256k1 signs with RFC 6979 and low s; the recovery id is the one that gives the key back. */
  private static byte[] nativeSign(byte[] hash, ECKeyPair key) {
    BigInteger d = key.getPrivateKey();
    if (d.signum() <= 0 || d.compareTo(N) >= 0) throw new IllegalArgumentException("a secp256k1 private key is in [1, n-1]");
    byte[] secret = new byte[32];
    put32(d, secret, 0);
    byte[] compact = requireNative().sign(hash, secret);
    BigInteger r = new BigInteger(1, compact, 0, 32);
    BigInteger s = new BigInteger(1, compact, 32, 32);
    Address signer = Address.ofPublicKey(key.getPublicKey());
    for (int recoveryId = 0; recoveryId <= 1; recoveryId++) {
      if (signer.equals(recover(Backend.LIBSECP256K1, hash, r, s, recoveryId))) return signature(r, s, recoveryId);
    }
    throw new IllegalStateException("libsecp256k1's signature does not recover the signing key " + signer);
  }

  /** r ‖ s ‖ 27 + recovery id, refusing a high s whichever library signed: it would not verify (EIP-2). */
  private static byte[] signature(BigInteger r, BigInteger s, int recoveryId) {
    if (s.compareTo(HALF_N) > 0 || (recoveryId != 0 && recoveryId != 1)) {
      throw new IllegalStateException("a signature with high s or recovery id " + recoveryId + " from the signing library");
    }
    byte[] out = new byte[65];
    put32(r, out, 0);
    put32(s, out, 32);
    out[64] = (byte) (27 + recoveryId);
    return out;
  }

  private static ECPoint decompress(BigInteger x, boolean oddY) {
    byte[] encoded = new byte[33];
    encoded[0] = (byte) (oddY ? 0x03 : 0x02);
    put32(x, encoded, 1);
    try {
      return C.decodePoint(encoded);
    } catch (IllegalArgumentException notOnCurve) {
      return null;
    }
  }

  /**
   * True when x (in [0, p)) is the x of a curve point: x³ + 7 is a square mod p. The Jacobi symbol
   * by the binary algorithm on four 64-bit limbs costs a quarter of Bouncy Castle's decompression
   * (a square root); variable time is fine, a signature is public.
   */
  static boolean isCurveX(BigInteger x) {
    long[] a = limbs(x.multiply(x).multiply(x).add(B).mod(P));
    long[] m = limbs(P);
    int symbol = 1;
    while (!isZero(a)) {
      int twos = trailingZeros(a);
      shiftRight(a, twos);
      long m8 = m[0] & 7;
      if ((twos & 1) == 1 && (m8 == 3 || m8 == 5)) symbol = -symbol; // (2/m) = −1 for m ≡ ±3 mod 8
      if (compareUnsigned(a, m) < 0) { // reciprocity: both odd
        long[] t = a;
        a = m;
        m = t;
        if ((a[0] & 3) == 3 && (m[0] & 3) == 3) symbol = -symbol;
      }
      subtract(a, m); // (a/m) = ((a − m)/m); a − m is even
    }
    // m is now gcd(x³ + 7, p): 1, as p is prime and secp256k1 has no point with y = 0
    return symbol == 1 && m[0] == 1 && (m[1] | m[2] | m[3]) == 0;
  }

  private static long[] limbs(BigInteger v) {
    long[] limbs = new long[4];
    for (int i = 0; i < 4; i++) limbs[i] = v.shiftRight(64 * i).longValue();
    return limbs;
  }

  private static boolean isZero(long[] v) {
    return (v[0] | v[1] | v[2] | v[3]) == 0;
  }

  private static int trailingZeros(long[] v) {
    for (int i = 0; i < 4; i++) {
      if (v[i] != 0) return 64 * i + Long.numberOfTrailingZeros(v[i]);
    }
    throw new IllegalArgumentException("zero has no lowest set bit");
  }

  private static void shiftRight(long[] v, int bits) {
    int words = bits >>> 6, shift = bits & 63;
    for (int i = 0; i < 4; i++) {
      long lo = i + words < 4 ? v[i + words] : 0;
      long hi = i + words + 1 < 4 ? v[i + words + 1] : 0;
      v[i] = shift == 0 ? lo : (lo >>> shift) | (hi << (64 - shift));
    }
  }

  private static int compareUnsigned(long[] a, long[] b) {
    for (int i = 3; i >= 0; i--) {
      if (a[i] != b[i]) return Long.compareUnsigned(a[i], b[i]);
    }
    return 0;
  }

  /** a −= b, for a ≥ b. */
  private static void subtract(long[] a, long[] b) {
    long borrow = 0;
    for (int i = 0; i < 4; i++) {
      long d = a[i] - b[i] - borrow;
      borrow = Long.compareUnsigned(a[i], b[i]) < 0 || (a[i] == b[i] && borrow == 1) ? 1 : 0;
      a[i] = d;
    }
  }

  private static boolean onCurve(BigInteger x, BigInteger y) {
    return x.compareTo(P) < 0 && y.compareTo(P) < 0
        && y.multiply(y).subtract(x.multiply(x).multiply(x)).subtract(B).mod(P).signum() == 0;
  }

  /** Writes a non-negative number of at most 32 bytes big-endian into out[at..at+32); false if it does not fit. */
  private static boolean put32(BigInteger value, byte[] out, int at) {
    if (value.signum() < 0 || value.bitLength() > 256) return false;
    byte[] b = value.toByteArray();
    int len = Math.min(b.length, 32);
    System.arraycopy(b, b.length - len, out, at + 32 - len, len);
    return true;
  }

  private static void checkHash(byte[] hash) {
    if (hash.length != 32) throw new IllegalArgumentException("a signed hash is 32 bytes, got " + hash.length);
  }

  private static fr.acinq.secp256k1.Secp256k1 requireNative() {
    if (NATIVE == null) throw new IllegalStateException("libsecp256k1 is not loaded; backend is " + ACTIVE);
    return NATIVE;
  }

  /** The binding after a self-test (sign, then recover, against Bouncy Castle), or null with the reason logged. */
  private static fr.acinq.secp256k1.Secp256k1 loadNative() {
    String wanted = System.getProperty(BACKEND_PROPERTY, Backend.LIBSECP256K1.toString());
    if (wanted.equals(Backend.BOUNCY_CASTLE.toString())) {
      LOG.info("secp256k1 backend: bouncy-castle (forced by -D{}=bouncy-castle)", BACKEND_PROPERTY);
      return null;
    }
    if (!wanted.equals(Backend.LIBSECP256K1.toString())) {
      LOG.warn("-D{}={} is neither libsecp256k1 nor bouncy-castle; trying libsecp256k1", BACKEND_PROPERTY, wanted);
    }
    try {
      fr.acinq.secp256k1.Secp256k1 binding = fr.acinq.secp256k1.Secp256k1.get();
      String failure = selfTest(binding);
      if (failure == null) {
        LOG.info("secp256k1 backend: libsecp256k1 (ACINQ secp256k1-kmp JNI, {} {})",
            System.getProperty("os.name"), System.getProperty("os.arch"));
        return binding;
      }
      LOG.warn("secp256k1 backend: bouncy-castle, because libsecp256k1 loaded but failed its self-test: {}", failure);
    } catch (Exception | LinkageError e) {
      Throwable cause = e;
      while (cause.getCause() != null) cause = cause.getCause(); // the binding wraps its loader's failure
      LOG.warn("secp256k1 backend: bouncy-castle, because libsecp256k1 did not load on {} {}: {}",
          System.getProperty("os.name"), System.getProperty("os.arch"), cause.toString());
    }
    return null;
  }

  private static String selfTest(fr.acinq.secp256k1.Secp256k1 binding) {
    byte[] secret = new byte[32];
    secret[31] = 7;
    byte[] hash = Hash32.keccak(new byte[] {1}).bytes();
    byte[] compact = binding.sign(hash, secret);
    BigInteger r = new BigInteger(1, compact, 0, 32);
    BigInteger s = new BigInteger(1, compact, 32, 32);
    byte[] expected = Arrays.copyOfRange(G.multiply(BigInteger.valueOf(7)).normalize().getEncoded(false), 1, 65);
    for (int recoveryId = 0; recoveryId <= 1; recoveryId++) {
      byte[] ours = bouncyCastlePublicKey(hash, r, s, recoveryId);
      if (ours == null) return "its signature's r is not the x of a curve point";
      byte[] theirs = binding.ecdsaRecover(compact, hash, recoveryId);
      if (theirs == null || theirs.length != 65 || !Arrays.equals(ours, Arrays.copyOfRange(theirs, 1, 65))) {
        return "recovery with id " + recoveryId + " disagrees with Bouncy Castle";
      }
      if (Arrays.equals(ours, expected)) return null;
    }
    return "its signature of a known key does not recover that key";
  }
}
