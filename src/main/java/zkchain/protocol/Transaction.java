package zkchain.protocol;

import java.math.BigInteger;

/**
 * A decoded, signature-checked value transfer that passed the stateless rules 1–4 of
 * PROTOCOL.md §2. Legacy transactions carry their gasPrice as both fee fields, so the fee
 * arithmetic below is the same for both types.
 */
public record Transaction(
    Type type,
    Hash32 hash,
    Address sender,
    BigInteger nonce,
    BigInteger maxPriorityFeePerGas,
    BigInteger maxFeePerGas,
    BigInteger gasLimit,
    Address to,
    BigInteger value) {

  public static final BigInteger TRANSFER_GAS = BigInteger.valueOf(21_000);

  public enum Type { LEGACY, DYNAMIC_FEE }

  /** gasPrice (legacy) or min(maxFeePerGas, maxPriorityFeePerGas): the L2 base fee is 0. */
  public BigInteger effectiveGasPrice() {
    return maxFeePerGas.min(maxPriorityFeePerGas);
  }

  /** What the sender pays and the coinbase receives: every transfer uses exactly 21000 gas. */
  public BigInteger fee() {
    return TRANSFER_GAS.multiply(effectiveGasPrice());
  }

  /** Rule 7's bound: value + gasLimit · (gasPrice, or maxFeePerGas). */
  public BigInteger maxCost() {
    return value.add(gasLimit.multiply(maxFeePerGas));
  }

  /** Rule 6. Always true for legacy, whose two fee fields are the one gasPrice. */
  public boolean feeCapCoversTip() {
    return maxFeePerGas.compareTo(maxPriorityFeePerGas) >= 0;
  }
}
