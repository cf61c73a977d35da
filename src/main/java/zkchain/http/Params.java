package zkchain.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.web3j.utils.Numeric;
import zkchain.http.JsonRpc.RpcError;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;

/**
 * A call's positional parameters, read with the checks Ethereum's JSON-RPC specification gives
 * them; every check that fails is an invalid-params error (-32602) naming the parameter.
 */
public final class Params {
  private static final Pattern HEX_BYTES = Pattern.compile("0x([0-9a-fA-F]{2})*");
  private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
  private static final Pattern HASH = Pattern.compile("0x[0-9a-fA-F]{64}");
  private static final Pattern QUANTITY = Pattern.compile("0x[0-9a-fA-F]{1,64}");

  private final String method;
  private final List<JsonNode> args;

  public Params(String method, List<JsonNode> args) {
    this.method = method;
    this.args = List.copyOf(args);
  }

  public int size() {
    return args.size();
  }

  /** Between {@code min} and {@code max} parameters, or an invalid-params error. */
  public Params expect(int min, int max) {
    if (args.size() < min || args.size() > max) {
      String count = min == max ? Integer.toString(min) : min + " to " + max;
      throw RpcError.invalidParams(method + " takes " + count + " parameters, not " + args.size());
    }
    return this;
  }

  public boolean has(int i) {
    return i < args.size() && !args.get(i).isNull();
  }

  public JsonNode get(int i) {
    return i < args.size() ? args.get(i) : com.fasterxml.jackson.databind.node.NullNode.instance;
  }

  public Address address(int i) {
    return Address.of(text(i, ADDRESS, "an address (0x and 40 hex digits)"));
  }

  public Hash32 hash(int i) {
    return Hash32.of(text(i, HASH, "a hash (0x and 64 hex digits)"));
  }

  public byte[] bytes(int i) {
    return Numeric.hexStringToByteArray(text(i, HEX_BYTES, "0x-prefixed hex of whole bytes"));
  }

  public BigInteger quantity(int i) {
    return Numeric.decodeQuantity(text(i, QUANTITY, "a quantity (0x-prefixed hex, no leading zeros)"));
  }

  /** A boolean parameter, {@code otherwise} when absent. */
  public boolean bool(int i, boolean otherwise) {
    if (!has(i)) return otherwise;
    JsonNode n = args.get(i);
    if (!n.isBoolean()) throw RpcError.invalidParams(name(i) + " must be true or false");
    return n.booleanValue();
  }

  /** A JSON object parameter (a transaction call object, an EIP-1898 block). */
  public Optional<JsonNode> object(int i) {
    if (!has(i)) return Optional.empty();
    if (!args.get(i).isObject()) throw RpcError.invalidParams(name(i) + " must be an object");
    return Optional.of(args.get(i));
  }

  public String text(int i, Pattern pattern, String what) {
    JsonNode n = get(i);
    if (!n.isTextual() || !pattern.matcher(n.textValue()).matches()) {
      throw RpcError.invalidParams(name(i) + " must be " + what);
    }
    return n.textValue();
  }

  /** An address, hash or quantity field of an object parameter, checked as the parameter would be. */
  public static Optional<String> field(JsonNode object, String field, Pattern pattern, String what) {
    JsonNode n = object.get(field);
    if (n == null || n.isNull()) return Optional.empty();
    if (!n.isTextual() || !pattern.matcher(n.textValue()).matches()) {
      throw RpcError.invalidParams(field + " must be " + what);
    }
    return Optional.of(n.textValue());
  }

  public static Pattern addressPattern() {
    return ADDRESS;
  }

  public static Pattern hashPattern() {
    return HASH;
  }

  public static Pattern quantityPattern() {
    return QUANTITY;
  }

  public static Pattern bytesPattern() {
    return HEX_BYTES;
  }

  private String name(int i) {
    return method + " parameter " + (i + 1);
  }
}
