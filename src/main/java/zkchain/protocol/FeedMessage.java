package zkchain.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;

/**
 * A text frame of the sequencer feed (PROTOCOL.md §6): a signed batch or a heartbeat. Parsing is
 * strict about the fields the protocol names (present, typed, sized) and ignores others, so a
 * later protocol version can add fields without breaking version-1 nodes.
 */
public sealed interface FeedMessage permits FeedMessage.BatchMessage, FeedMessage.Heartbeat {

  String toJson();

  /** Parses one frame; throws {@link FeedMessageException} saying what is wrong with it. */
  static FeedMessage parse(String json) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new FeedMessageException("feed message is not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) throw new FeedMessageException("feed message is not a JSON object");
    String type = Json.text(root, "type");
    return switch (type) {
      case "batch" -> BatchMessage.fromJson(root);
      case "heartbeat" -> new Heartbeat(Json.uint64(root, "head"));
      default -> throw new FeedMessageException("unknown feed message type \"" + type + "\"");
    };
  }

  /** A closed batch with the sequencer's state root, accInputHash and signature. */
  record BatchMessage(long chainId, Batch batch, Hash32 stateRoot, Hash32 accInputHash, byte[] signature)
      implements FeedMessage {
    public BatchMessage {
      Objects.requireNonNull(batch, "batch");
      Objects.requireNonNull(stateRoot, "stateRoot");
      Objects.requireNonNull(accInputHash, "accInputHash");
      signature = signature.clone();
    }

    /** The sequencer side: signs the batch with its key. */
    public static BatchMessage signed(long chainId, Batch batch, Hash32 stateRoot, Hash32 accInputHash,
        ECKeyPair sequencerKey) {
      byte[] signature = FeedSignature.sign(FeedSignature.digest(chainId, batch, stateRoot), sequencerKey);
      return new BatchMessage(chainId, batch, stateRoot, accInputHash, signature);
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    public Hash32 digest() {
      return FeedSignature.digest(chainId, batch, stateRoot);
    }

    /** Who signed it; the node accepts the batch only if this is the contract's trustedSequencer(). */
    public Optional<Address> signer() {
      return FeedSignature.recover(digest(), signature);
    }

    /** The node's acceptance rule: signed by the sequencer the contract names, for this chain. */
    public boolean signedBy(Address trustedSequencer, long expectedChainId) {
      return chainId == expectedChainId && signer().map(trustedSequencer::equals).orElse(false);
    }

    static BatchMessage fromJson(JsonNode root) {
      Batch batch = new Batch(Json.uint64(root, "number"), Json.hex(root, "transactions", -1),
          Json.uint64(root, "timestamp"), new Address(Json.hex(root, "coinbase", 20)));
      return new BatchMessage(Json.uint64(root, "chainId"), batch, new Hash32(Json.hex(root, "stateRoot", 32)),
          new Hash32(Json.hex(root, "accInputHash", 32)), Json.hex(root, "signature", FeedSignature.LENGTH));
    }

    @Override
    public String toJson() {
      ObjectNode o = Json.MAPPER.createObjectNode();
      o.put("type", "batch");
      o.put("chainId", chainId);
      o.put("number", batch.number());
      o.put("timestamp", batch.timestamp());
      o.put("coinbase", batch.coinbase().hex());
      o.put("transactions", Numeric.toHexString(batch.transactions()));
      o.put("stateRoot", stateRoot.hex());
      o.put("accInputHash", accInputHash.hex());
      o.put("signature", Numeric.toHexString(signature));
      return o.toString();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BatchMessage m && chainId == m.chainId && batch.equals(m.batch)
          && stateRoot.equals(m.stateRoot) && accInputHash.equals(m.accInputHash)
          && Arrays.equals(signature, m.signature);
    }

    @Override
    public int hashCode() {
      return Objects.hash(chainId, batch, stateRoot, accInputHash, Arrays.hashCode(signature));
    }
  }

  /** Sent at least every 5 seconds; {@code head} is the last batch number the sequencer closed. */
  record Heartbeat(long head) implements FeedMessage {
    @Override
    public String toJson() {
      ObjectNode o = Json.MAPPER.createObjectNode();
      o.put("type", "heartbeat");
      o.put("head", head);
      return o.toString();
    }
  }

  /** Field readers that name the field in every error. */
  final class Json {
    private Json() {}

    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern HEX = Pattern.compile("0x([0-9a-fA-F]{2})*");
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    static JsonNode field(JsonNode root, String name) {
      JsonNode v = root.get(name);
      if (v == null || v.isNull()) throw new FeedMessageException("feed message lacks \"" + name + "\"");
      return v;
    }

    static String text(JsonNode root, String name) {
      JsonNode v = field(root, name);
      if (!v.isTextual()) throw new FeedMessageException("\"" + name + "\" must be a string, got " + v);
      return v.textValue();
    }

    /** A non-negative JSON integer; values above 2^63−1 are refused rather than wrapped. */
    static long uint64(JsonNode root, String name) {
      JsonNode v = field(root, name);
      if (!v.isIntegralNumber()) throw new FeedMessageException("\"" + name + "\" must be an integer, got " + v);
      BigInteger n = v.bigIntegerValue();
      if (n.signum() < 0 || n.compareTo(MAX) > 0) {
        throw new FeedMessageException("\"" + name + "\" = " + n + " is out of range 0.." + MAX);
      }
      return n.longValueExact();
    }

    /** 0x-prefixed hex of whole bytes; {@code length} bytes exactly unless it is −1. */
    static byte[] hex(JsonNode root, String name, int length) {
      String s = text(root, name);
      if (!HEX.matcher(s).matches()) {
        throw new FeedMessageException("\"" + name + "\" must be 0x-prefixed hex of whole bytes");
      }
      byte[] b = Numeric.hexStringToByteArray(s);
      if (length >= 0 && b.length != length) {
        throw new FeedMessageException("\"" + name + "\" must be " + length + " bytes, got " + b.length);
      }
      return b;
    }
  }
}
