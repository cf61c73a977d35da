package zkchain.l1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.devnet.Anvil;

class DeployerTest {
  static Anvil anvil;
  static Web3j web3j;

  @BeforeAll
  static void startL1() {
    anvil = Anvil.start();
    web3j = Web3j.build(new HttpService(anvil.url()));
  }

  @AfterAll
  static void stopL1() {
    web3j.shutdown();
    anvil.close();
  }

  @Test
  void deploysVerifierAndRollupAndWritesAReadableDeploymentFile(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("devnet/l1-deployment.json");
    String genesisRoot = "0x" + "5a".repeat(32);
    L1Deployment d = Deployer.run(anvil.url(), out, 1001, genesisRoot);

    assertEquals(d, L1Deployment.read(out));
    JsonNode json = new ObjectMapper().readTree(out.toFile());
    assertEquals(d.rollup(), json.get("rollup").asText());
    assertEquals(1001, json.get("l2ChainId").asLong());
    assertEquals(31337, json.get("l1ChainId").asLong(), "anvil's default chain id");
    assertEquals(genesisRoot, json.get("genesisRoot").asText());

    Deployer.Roles roles = Deployer.Roles.dev();
    assertEquals(roles.prover().toLowerCase(), d.prover());
    ZkChainRollup rollup = ZkChainRollup.at(web3j, d.rollup());
    assertEquals(d.admin(), rollup.admin());
    assertEquals(d.trustedSequencer(), rollup.trustedSequencer());
    assertEquals(d.trustedAggregator(), rollup.trustedAggregator());
    assertEquals(d.verifier(), rollup.verifier());
    assertEquals(1001, rollup.chainID());
    assertEquals(genesisRoot, rollup.batchNumToStateRoot(0));
    assertEquals(d.prover(), DevAttestationVerifier.at(web3j, d.verifier()).prover());

    // The recorded block is where the rollup came to exist: no code before it, code at it.
    EthBlock.Block block = web3j.ethGetBlockByNumber(
        DefaultBlockParameter.valueOf(BigInteger.valueOf(d.deployBlock())), false).send().getBlock();
    assertEquals(d.deployBlockHash(), block.getHash());
    assertEquals("0x", web3j.ethGetCode(d.rollup(),
        DefaultBlockParameter.valueOf(BigInteger.valueOf(d.deployBlock() - 1))).send().getCode());
    assertTrue(web3j.ethGetCode(d.rollup(), DefaultBlockParameterName.LATEST).send().getCode().length() > 2);
  }

  @Test
  void aRollupCanBeDeployedAgainstAnExistingVerifier() {
    L1Sender admin = L1Sender.of(web3j, Credentials.create(DevKeys.key(DevKeys.L1_ADMIN)));
    String verifier = DevAttestationVerifier.deploy(admin, Deployer.Roles.dev().prover()).address();
    Deployer.Roles roles = Deployer.Roles.dev();
    Deployer.Roles noProver = new Deployer.Roles(roles.admin(), roles.trustedSequencer(), roles.trustedAggregator(), null);
    L1Deployment d = Deployer.deployWithVerifier(admin, noProver, 7, "0x" + "00".repeat(32), verifier);
    assertEquals(verifier, d.verifier());
    assertEquals(verifier, ZkChainRollup.at(web3j, d.rollup()).verifier());
    assertNull(d.prover());
  }

  @Test
  void aDeploymentFileThatIsNotOneSaysWhichFile(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("l1.json");
    Files.writeString(bad, "{\"rollup\": ");
    IOException e = assertThrows(IOException.class, () -> L1Deployment.read(bad));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
  }

  @Test
  void aGenesisRootThatIsNot32BytesIsRefusedBeforeAnythingIsDeployed(@TempDir Path dir) throws IOException {
    long before = web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
    assertThrows(IllegalArgumentException.class, () -> Deployer.run(anvil.url(), dir.resolve("x.json"), 1001, "0x1234"));
    assertEquals(before, web3j.ethBlockNumber().send().getBlockNumber().longValueExact());
  }
}
