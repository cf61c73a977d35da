package zkchain.execution;

/** What execution needs to know about the chain: its id, from the genesis {@code config.chainId}. */
public record ChainConfig(long chainId) {
  public ChainConfig {
    if (chainId <= 0) throw new IllegalArgumentException("chain id must be positive, got " + chainId);
  }
}
