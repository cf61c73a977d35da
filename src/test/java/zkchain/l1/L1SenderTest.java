package zkchain.l1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import zkchain.DevKeys;
import zkchain.devnet.Anvil;

/**
 * Revert reasons as L1 nodes report them: in the error's data, or only in its message; and where a
 * signed transaction stands on a real anvil whose mining the test controls.
 */
class L1SenderTest {
  @Test
  void errorStringAndPanicDataDecode() {
    assertEquals("only admin",
        L1Sender.decodeRevertData("0x08c379a0" + FunctionEncoder.encodeConstructor(List.of(new Utf8String("only admin")))));
    assertEquals("panic 0x11",
        L1Sender.decodeRevertData("0x4e487b71" + FunctionEncoder.encodeConstructor(List.of(new Uint256(0x11)))));
    assertNull(L1Sender.decodeRevertData("0x08c379a0ffff"));
    assertNull(L1Sender.decodeRevertData("0x12345678"));
  }

  @Test
  void withoutDataTheNodesMessageIsTheReason() {
    assertEquals("only trusted sequencer",
        L1Sender.revertReason(new Response.Error(3, "execution reverted: only trusted sequencer"), null));
    assertEquals("out of gas", L1Sender.revertReason(new Response.Error(-32000, "out of gas"), null));
    assertEquals("no reason given", L1Sender.revertReason(null, null));
  }

  @Test
  void inclusionTellsPendingDroppedMinedAndSupersededApart() throws Exception {
    try (Anvil anvil = Anvil.start("--no-mining")) {
      HttpService service = new HttpService(anvil.url());
      Web3j web3j = Web3j.build(service);
      try {
        L1Sender sender = L1Sender.of(web3j, Credentials.create(DevKeys.key(DevKeys.PROVER)));
        String to = Credentials.create(DevKeys.key(DevKeys.L1_ADMIN)).getAddress();
        L1Sender.SignedTransaction tx = sender.sign("transfer", to, "0x", sender.nonce(DefaultBlockParameterName.LATEST));
        assertEquals(Optional.empty(), sender.broadcast(tx));
        assertEquals(Optional.empty(), sender.broadcast(tx), "the same bytes again are no refusal");
        assertInstanceOf(L1Sender.Inclusion.Pending.class, sender.inclusion(tx));

        anvil(service, "anvil_dropTransaction", tx.hash());
        assertInstanceOf(L1Sender.Inclusion.Dropped.class, sender.inclusion(tx));

        L1Sender.SignedTransaction replacement = sender.replace(tx);
        assertEquals(tx.nonce(), replacement.nonce());
        assertNotEquals(tx.hash(), replacement.hash());
        assertEquals(Optional.empty(), sender.broadcast(replacement));
        anvil(service, "anvil_mine", 1);
        assertInstanceOf(L1Sender.Inclusion.Mined.class, sender.inclusion(replacement));
        var superseded = assertInstanceOf(L1Sender.Inclusion.Superseded.class, sender.inclusion(tx));
        assertEquals(tx.nonce() + 1, superseded.accountNonce());
      } finally {
        web3j.shutdown();
      }
    }
  }

  private static void anvil(HttpService service, String method, Object param) throws Exception {
    VoidResponse r = new Request<>(method, List.of(param), service, VoidResponse.class).send();
    if (r.hasError()) throw new IllegalStateException(method + ": " + r.getError().getMessage());
  }
}
