package zkchain.derive;

import com.typesafe.config.Config;

/**
 * How far behind L1's head the node reads: `latest` less N confirmations, `safe`, or `finalized`.
 * The further behind, the rarer an L1 reorg reaches the node; with `finalized`, never.
 */
public record L1Finality(Kind kind, int confirmations) {
  public enum Kind { LATEST, SAFE, FINALIZED }

  public static L1Finality from(Config l1) {
    String tag = l1.getString("finality").toLowerCase();
    Kind kind = switch (tag) {
      case "latest" -> Kind.LATEST;
      case "safe" -> Kind.SAFE;
      case "finalized" -> Kind.FINALIZED;
      default -> throw new IllegalArgumentException(
          "zkchain.l1.finality must be latest, safe or finalized, not '" + tag + "'");
    };
    return new L1Finality(kind, l1.getInt("confirmations"));
  }

  /** The block tag to ask L1 for. */
  public String tag() {
    return kind.name().toLowerCase();
  }

  /** The highest block the node may process, given the block L1 returned for {@link #tag()}. */
  public long target(long taggedBlockNumber) {
    return kind == Kind.LATEST ? Math.max(0, taggedBlockNumber - confirmations) : taggedBlockNumber;
  }
}
