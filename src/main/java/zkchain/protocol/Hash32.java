package zkchain.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/** A 32-byte hash: state roots, transaction hashes, accInputHash, trie node keys. */
public record Hash32(byte[] bytes) implements Comparable<Hash32> {
  public static final Hash32 ZERO = new Hash32(new byte[32]);

  public Hash32 {
    if (bytes.length != 32) {
      throw new IllegalArgumentException("a hash is 32 bytes, got " + bytes.length);
    }
    bytes = bytes.clone();
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING) // the hex string itself, not a property of that name
  public static Hash32 of(String hex) {
    return new Hash32(Numeric.hexStringToByteArray(hex));
  }

  /** Keccak-256 as Ethereum uses it. */
  public static Hash32 keccak(byte[] data) {
    return new Hash32(Hash.sha3(data));
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** 0x-prefixed lower-case hex: how JSON, logs and events show it. */
  @JsonValue
  public String hex() {
    return Numeric.toHexString(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Hash32 h && Arrays.equals(bytes, h.bytes);
  }

  @Override
  public int hashCode() {
    // the bytes of a hash are already uniformly distributed
    return (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
  }

  @Override
  public int compareTo(Hash32 o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
