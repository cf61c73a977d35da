package zkchain.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Why a transaction of a batch was not applied (PROTOCOL.md §2), in the order of the rules:
 * the first failing rule is the one recorded.
 */
public enum SkipReason {
  /** Rule 1: the bytes are not a legacy or type-2 transaction. */
  MALFORMED("malformed"),
  /** Rule 1: no sender recovers, or s > n/2 (EIP-2). */
  BAD_SIGNATURE("bad-signature"),
  /** Rule 2: signed for another chain, or without EIP-155 replay protection. */
  WRONG_CHAIN("wrong-chain"),
  /** Rule 3: contract creation, call data, an access list, or another transaction type. */
  UNSUPPORTED("unsupported"),
  /** Rule 4: gasLimit below 21000. */
  INTRINSIC_GAS("intrinsic-gas"),
  /** Rule 5: nonce differs from the sender's. */
  NONCE("nonce"),
  /** Rule 6: type 2 with maxFeePerGas below maxPriorityFeePerGas. */
  FEE_CAP("fee-cap"),
  /** Rule 7: balance below value + gasLimit · gas price. */
  BALANCE("balance");

  private final String word;

  SkipReason(String word) {
    this.word = word;
  }

  /** The protocol's word, as logs, JSON and metrics show it. */
  @JsonValue
  public String word() {
    return word;
  }

  @JsonCreator
  public static SkipReason ofWord(String word) {
    for (SkipReason r : values()) if (r.word.equals(word)) return r;
    throw new IllegalArgumentException("no skip reason \"" + word + "\"");
  }

  @Override
  public String toString() {
    return word;
  }
}
