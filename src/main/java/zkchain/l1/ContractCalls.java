package zkchain.l1;

import java.io.IOException;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/** The plumbing the hand-written bindings share: views by eth_call, deployment by init code. */
final class ContractCalls {
  private ContractCalls() {}

  @SuppressWarnings({"rawtypes", "unchecked"})
  static List<Type> view(Web3j web3j, String contract, DefaultBlockParameter block, String name,
      List<Type> inputs, List<TypeReference<?>> outputs) {
    Function function = new Function(name, inputs, (List) outputs);
    String call = name + " on " + contract;
    try {
      EthCall result = web3j.ethCall(
          Transaction.createEthCallTransaction(null, contract, FunctionEncoder.encode(function)), block).send();
      if (result.hasError() || result.isReverted()) {
        throw new L1Revert(call, L1Sender.revertReason(result.getError(), result.getRevertReason()));
      }
      List<Type> decoded = FunctionReturnDecoder.decode(result.getValue(), function.getOutputParameters());
      if (decoded.size() != outputs.size()) {
        throw new IllegalStateException(call + " returned " + result.getValue()
            + "; is " + contract + " the expected contract on this L1?");
      }
      return decoded;
    } catch (IOException e) {
      throw new IllegalStateException(call + ": L1 request failed: " + e.getMessage(), e);
    }
  }

  static TransactionReceipt deploy(L1Sender from, ContractArtifact artifact, List<Type> constructorArgs) {
    String init = artifact.bin() + FunctionEncoder.encodeConstructor(constructorArgs);
    return from.send("deploy " + artifact.name(), null, init);
  }
}
