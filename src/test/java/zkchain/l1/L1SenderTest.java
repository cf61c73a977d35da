package zkchain.l1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.core.Response;

/** Revert reasons as L1 nodes report them: in the error's data, or only in its message. */
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
}
