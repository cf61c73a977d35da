package zkchain.l1;

import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.generated.StaticArray1;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * Binding of the development verifier (contracts/DevAttestationVerifier.sol): accepts the prover
 * key's signature over inputSnark. NOT a zero-knowledge proof; see
 * {@link zkchain.aggregator.AttestationProof}.
 */
public final class DevAttestationVerifier {
  public static final String CONTRACT_NAME = "DevAttestationVerifier";

  private final Web3j web3j;
  private final String address;

  private DevAttestationVerifier(Web3j web3j, String address) {
    this.web3j = web3j;
    this.address = address.toLowerCase();
  }

  public static DevAttestationVerifier at(Web3j web3j, String address) {
    return new DevAttestationVerifier(web3j, address);
  }

  public static Deployed<DevAttestationVerifier> deploy(L1Sender from, String prover) {
    TransactionReceipt receipt = ContractCalls.deploy(from, ContractArtifact.load(CONTRACT_NAME),
        List.of(new Address(prover)));
    return Deployed.of(at(from.web3j(), receipt.getContractAddress()), receipt);
  }

  public String address() {
    return address;
  }

  /** The only key whose attestations this verifier accepts. */
  public String prover() {
    return ((Address) ContractCalls.view(web3j, address, DefaultBlockParameterName.LATEST, "prover", List.of(),
        List.of(new TypeReference<Address>() {})).get(0)).getValue().toLowerCase();
  }

  /** IVerifier.verifyProof(proof, [inputSnark]) as the rollup calls it. */
  public boolean verifyProof(byte[] proof, BigInteger inputSnark) {
    return ((Bool) ContractCalls.view(web3j, address, DefaultBlockParameterName.LATEST, "verifyProof",
        List.of(new DynamicBytes(proof), new StaticArray1<>(Uint256.class, new Uint256(inputSnark))),
        List.of(new TypeReference<Bool>() {})).get(0)).getValue();
  }
}
