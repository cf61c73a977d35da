package zkchain.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Events and read models carry these values: they show in JSON as the protocol writes them. */
class JsonFormTest {
  private final ObjectMapper json = new ObjectMapper();

  record Carrier(Hash32 stateRoot, Address coinbase, SkipReason reason) {}

  @Test
  void hexAndProtocolWords() throws Exception {
    Carrier c = new Carrier(Hash32.keccak(new byte[0]), Address.of("0x00000000000000000000000000000000c0ffee00"),
        SkipReason.BAD_SIGNATURE);
    String text = json.writeValueAsString(c);
    assertEquals("{\"stateRoot\":\"0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470\","
        + "\"coinbase\":\"0x00000000000000000000000000000000c0ffee00\",\"reason\":\"bad-signature\"}", text);
    assertEquals(c, json.readValue(text, Carrier.class));
  }
}
