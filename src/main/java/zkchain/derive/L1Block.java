package zkchain.derive;

/** An L1 block the node has processed: its number and hash (lowercase 0x-hex). */
public record L1Block(long number, String hash) {
  public L1Block {
    hash = hash.toLowerCase();
  }
}
