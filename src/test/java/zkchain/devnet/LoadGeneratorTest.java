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
      long nonces = 0;
      for (String key : keys) {
        nonces += web3j.ethGetTransactionCount(Credentials.create(key).getAddress(), DefaultBlockParameterName.LATEST)
            .send().getTransactionCount().longValueExact();
      }
      web3j.shutdown();
      assertEquals(sent, nonces, "every accepted transfer was mined");
    }
  }
}
