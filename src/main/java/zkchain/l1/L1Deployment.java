package zkchain.l1;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where a zk-chain lives on L1: what `zkchain deploy-l1` writes and every node, sequencer and
 * aggregator reads. Addresses and hashes are lowercase 0x-hex.
 *
 * @param rollup the ZkChainRollup contract
 * @param verifier the IVerifier the rollup calls (the development attestation verifier on devnets)
 * @param l1ChainId chain id of the L1 the contracts are on
 * @param l2ChainId the zk-chain's own chain id (the rollup's chainID())
 * @param deployBlock L1 block of the rollup's creation: nodes read events from here on
 * @param deployBlockHash hash of that block, to notice if an L1 reorg dropped the deployment
 * @param genesisRoot state root of batch 0 (batchNumToStateRoot(0))
 */
public record L1Deployment(
    String rollup,
    String verifier,
    long l1ChainId,
    long l2ChainId,
    long deployBlock,
    String deployBlockHash,
    String genesisRoot,
    String admin,
    String trustedSequencer,
    String trustedAggregator,
    String prover) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Writes the deployment as indented JSON; atomic, so a reader never sees half a file. */
  public void write(Path file) throws IOException {
    Path absolute = file.toAbsolutePath();
    if (absolute.getParent() != null) Files.createDirectories(absolute.getParent());
    Path tmp = absolute.resolveSibling(absolute.getFileName() + ".tmp");
    JSON.writeValue(tmp.toFile(), this);
    Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  public static L1Deployment read(Path file) throws IOException {
    try {
      return JSON.readValue(file.toFile(), L1Deployment.class);
    } catch (IOException e) {
      throw new IOException("cannot read the L1 deployment file " + file + ": " + e.getMessage(), e);
    }
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
