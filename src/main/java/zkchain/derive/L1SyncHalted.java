package zkchain.derive;

/**
 * The L1 sync cannot go on by itself: an L1 reorg deeper than the blocks the node keeps, or L1
 * events and calldata that stay inconsistent after the node read them again. The sync stops
 * advancing (retrying would only repeat it) and the node says so in /status and /ready; an
 * operator must act (README: "When the L1 sync halts").
 */
public final class L1SyncHalted extends RuntimeException {
  public L1SyncHalted(String message) {
    super(message);
  }
}
