package zkchain.l1;

import org.web3j.protocol.core.methods.response.TransactionReceipt;

/** A contract binding together with the L1 transaction that created the contract. */
public record Deployed<C>(C contract, String address, long blockNumber, String blockHash, String txHash) {

  static <C> Deployed<C> of(C contract, TransactionReceipt receipt) {
    return new Deployed<>(contract, receipt.getContractAddress().toLowerCase(),
        receipt.getBlockNumber().longValueExact(), receipt.getBlockHash().toLowerCase(),
        receipt.getTransactionHash().toLowerCase());
  }
}
