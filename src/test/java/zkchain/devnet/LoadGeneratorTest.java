package zkchain.devnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.devnet.Anvil;

/** The load generator against anvil, which speaks the same wallet JSON-RPC as the sequencer. */
class LoadGeneratorTest {
  @Test
  void sendsSignedTransfersAtTheRequestedRateAndEveryOneIsAccepted() throws Exception {
    List<String> keys = List.of(DevKeys.key(4), DevKeys.key(5), DevKeys.key(6));
    try (Anvil anvil = Anvil.start("--base-fee", "0")) {
      long sent;
      try (LoadGenerator load = LoadGenerator.start(anvil.url(), keys, 100)) {
        Thread.sleep(2_000);
        load.close();
        sent = load.sent();
        assertEquals(0, load.refused(), "every transfer was valid");
      }
      assertTrue(sent >= 50, "sent " + sent + " in 2 s at 100/s");
      Web3j web3j = Web3j.build(new HttpService(anvil.url()));
      long[] nonces = {0};
      // anvil answers eth_sendRawTransaction before it has mined the block: the last one may follow
      boolean mined = zkchain.testing.TestNodes.eventually(java.time.Duration.ofSeconds(10), () -> {
        nonces[0] = 0;
        for (String key : keys) {
          try {
            nonces[0] += web3j.ethGetTransactionCount(Credentials.create(key).getAddress(),
                DefaultBlockParameterName.LATEST).send().getTransactionCount().longValueExact();
          } catch (java.io.IOException e) {
            return false;
          }
        }
        return nonces[0] == sent;
      });
      web3j.shutdown();
      assertTrue(mined, "every accepted transfer was mined: " + nonces[0] + " of " + sent);
    }
  }
}
