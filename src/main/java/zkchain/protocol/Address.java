package zkchain.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigInteger;
import java.util.Arrays;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/** A 20-byte account address. */
public record Address(byte[] bytes) implements Comparable<Address> {
  public static final Address ZERO = new Address(new byte[20]);

  public Address {
    if (bytes.length != 20) {
      throw new IllegalArgumentException("an address is 20 bytes, got " + bytes.length);
    }
    bytes = bytes.clone();
  }

  /** Parses 0x-prefixed (or bare) hex of exactly 20 bytes; the checksum case is not checked. */
  @JsonCreator
  public static Address of(String hex) {
    String digits = Numeric.cleanHexPrefix(hex);
    if (digits.length() != 40) {
      throw new IllegalArgumentException("an address is 40 hex digits, got \"" + hex + "\"");
    }
    return new Address(Numeric.hexStringToByteArray(digits));
  }

  /** The address of an uncompressed secp256k1 public key (64 bytes x ‖ y as a number). */
  public static Address ofPublicKey(BigInteger publicKey) {
    return new Address(Keys.getAddress(Numeric.toBytesPadded(publicKey, 64)));
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
    return o instanceof Address a && Arrays.equals(bytes, a.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(Address o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
