package zkchain.l1;

/**
 * An L1 contract call that reverted, with the contract's revert reason (for ZkChainRollup one of
 * the strings in contracts/ZkChainRollup.sol, e.g. "only trusted sequencer"). Thrown before
 * anything is sent when the gas estimate already reverts, so a refused call costs no L1 gas.
 */
public final class L1Revert extends RuntimeException {
  private final String reason;

  public L1Revert(String call, String reason) {
    super(call + " reverted: " + reason);
    this.reason = reason;
  }

  /** The revert reason as the contract wrote it. */
  public String reason() {
    return reason;
  }
}
