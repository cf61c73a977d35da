package zkchain.l1;

import java.io.IOException;
import java.nio.file.Path;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;
import zkchain.DevKeys;

/**
 * Deploys a zk-chain's L1 contracts: the development attestation verifier, then ZkChainRollup
 * pointing at it. Backs `zkchain deploy-l1 --l1 URL --out FILE`.
 */
public final class Deployer {
  private Deployer() {}

  /** The L1 roles the rollup is deployed with (addresses, lowercase 0x-hex). */
  public record Roles(String admin, String trustedSequencer, String trustedAggregator, String prover) {
    /** The devnet roles of {@link DevKeys}: admin #0, sequencer #1, aggregator #2, prover #3. */
    public static Roles dev() {
      return new Roles(addressOf(DevKeys.L1_ADMIN), addressOf(DevKeys.SEQUENCER),
          addressOf(DevKeys.AGGREGATOR), addressOf(DevKeys.PROVER));
    }

    private static String addressOf(int devKey) {
      return Credentials.create(DevKeys.key(devKey)).getAddress();
    }
  }

  /**
   * Devnet deployment: the dev admin key pays, the dev roles are used. Writes the deployment to
   * {@code out} and returns it.
   *
   * @param genesisRoot state root of the L2 genesis (batch 0), 0x-hex 32 bytes
   */
  public static L1Deployment run(String l1Url, Path out, long l2ChainId, String genesisRoot) throws IOException {
    return run(l1Url, out, DevKeys.key(DevKeys.L1_ADMIN), Roles.dev(), l2ChainId, genesisRoot);
  }

  /** Deployment paid by {@code deployerKey} (hex private key) with the given roles, written to {@code out}. */
  public static L1Deployment run(String l1Url, Path out, String deployerKey, Roles roles, long l2ChainId,
      String genesisRoot) throws IOException {
    Web3j web3j = Web3j.build(new HttpService(l1Url));
    try {
      L1Deployment deployment = deploy(L1Sender.of(web3j, Credentials.create(deployerKey)), roles, l2ChainId,
          genesisRoot);
      deployment.write(out);
      return deployment;
    } finally {
      web3j.shutdown();
    }
  }

  /**
   * Deploys the development attestation verifier (for {@code roles.prover()}) and the rollup from
   * {@code from}, then checks the rollup reads back as deployed.
   */
  public static L1Deployment deploy(L1Sender from, Roles roles, long l2ChainId, String genesisRoot) {
    String root = genesisRoot(genesisRoot);
    Deployed<DevAttestationVerifier> verifier = DevAttestationVerifier.deploy(from, roles.prover());
    return deployRollup(from, roles, l2ChainId, root, verifier.address());
  }

  /**
   * Deploys only the rollup, pointing at an already deployed IVerifier (a real verifier replacing
   * the development one). {@code roles.prover()} may be null: a real verifier has no prover key.
   */
  public static L1Deployment deployWithVerifier(L1Sender from, Roles roles, long l2ChainId, String genesisRoot,
      String verifier) {
    return deployRollup(from, roles, l2ChainId, genesisRoot(genesisRoot), verifier.toLowerCase());
  }

  private static L1Deployment deployRollup(L1Sender from, Roles roles, long l2ChainId, String root, String verifier) {
    Deployed<ZkChainRollup> rollup = ZkChainRollup.deploy(from, roles.admin(), roles.trustedSequencer(),
        roles.trustedAggregator(), verifier, l2ChainId, root);
    L1Deployment deployment = new L1Deployment(rollup.address(), verifier, from.l1ChainId(), l2ChainId,
        rollup.blockNumber(), rollup.blockHash(), root, roles.admin().toLowerCase(),
        roles.trustedSequencer().toLowerCase(), roles.trustedAggregator().toLowerCase(),
        roles.prover() == null ? null : roles.prover().toLowerCase());
    checkDeployed(rollup.contract().atBlock(rollup.blockNumber()), deployment);
    return deployment;
  }

  /** Checked before anything is sent: a malformed root would otherwise cost a verifier deployment. */
  private static String genesisRoot(String hex) {
    return Numeric.toHexString(ZkChainRollup.bytes32(hex).getValue());
  }

  /** A deployment file that disagrees with L1 would send every node after the wrong chain. */
  private static void checkDeployed(ZkChainRollup rollup, L1Deployment d) {
    if (rollup.chainID() != d.l2ChainId() || !rollup.batchNumToStateRoot(0).equals(d.genesisRoot())
        || !rollup.verifier().equals(d.verifier()) || !rollup.trustedSequencer().equals(d.trustedSequencer())) {
      throw new IllegalStateException("rollup at " + d.rollup() + " does not read back as deployed: " + d);
    }
  }
}
