package zkchain.execution;

import java.math.BigInteger;
import java.util.List;
import zkchain.protocol.Hash32;
import zkchain.protocol.Rlp;

/**
 * An account of the world state (PROTOCOL.md §3). Version 1 has no code and no storage, so an
 * account is its nonce and balance; the trie value carries Ethereum's empty storage root and
 * empty code hash so the state root is Ethereum's.
 */
public record Account(long nonce, BigInteger balance) {
  /** What an absent account reads as. */
  public static final Account EMPTY = new Account(0, BigInteger.ZERO);
  public static final Hash32 EMPTY_STORAGE_ROOT = MerklePatriciaTrie.EMPTY_ROOT;
  public static final Hash32 EMPTY_CODE_HASH =
      Hash32.of("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

  public Account {
    if (nonce < 0) throw new IllegalArgumentException("nonce " + Long.toUnsignedString(nonce) + " is beyond 2^63-1");
    if (balance.signum() < 0) throw new IllegalArgumentException("negative balance " + balance);
  }

  /** EIP-161: nonce 0 and balance 0 (and, in version 1, never code). */
  public boolean isEmpty() {
    return nonce == 0 && balance.signum() == 0;
  }

  public Account withBalance(BigInteger newBalance) {
    return new Account(nonce, newBalance);
  }

  /** RLP([nonce, balance, storageRoot, codeHash]). */
  public byte[] encode() {
    return Rlp.encodeList(Rlp.encodeUint(nonce), Rlp.encodeUint(balance),
        Rlp.encodeString(EMPTY_STORAGE_ROOT.bytes()), Rlp.encodeString(EMPTY_CODE_HASH.bytes()));
  }

  public static Account decode(byte[] encoded) {
    List<Rlp.Item> f = Rlp.list(Rlp.decode(encoded), "account").items();
    if (f.size() != 4) throw new IllegalStateException("account with " + f.size() + " fields");
    return new Account(Rlp.uint(f.get(0), 8, "account nonce").longValueExact(), Rlp.uint(f.get(1), 32, "balance"));
  }
}
