package zkchain.batch;

import akka.serialization.jackson.JacksonMigration;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.web3j.utils.Numeric;

/**
 * Version 2 of the batch entity's events, snapshot and data-carrying commands (issue 8): a batch's
 * transactions are a CBOR byte string, where version 1 wrote them as 0x-hex text. Configured per
 * class in serialization.conf, so a journal of version 1 replays as it is on disk.
 */
public final class TransactionsAsBytes extends JacksonMigration {
  @Override
  public int currentVersion() {
    return 2;
  }

  /** Every batch data in the tree, however deep the class nests it: an object with text transactions and a source. */
  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    if (fromVersion >= 2) return json;
    for (JsonNode data : json.findParents("transactions")) {
      JsonNode transactions = data.get("transactions");
      if (transactions.isTextual() && data.has("source")) {
        ((ObjectNode) data).put("transactions", Numeric.hexStringToByteArray(transactions.textValue()));
      }
    }
    return json;
  }
}
