package zkchain.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.protocol.Address;
import zkchain.protocol.Hash32;

class GenesisTest {
  @Test
  void devnetGenesisFundsTheTenDevKeysOnChain1001() {
    Genesis g = Genesis.load(Path.of("conf/genesis.json"));
    assertEquals(1001, g.chainId());
    Set<Address> devKeys = DevKeys.PRIVATE_KEYS.stream().map(k -> Address.of(Credentials.create(k).getAddress()))
        .collect(Collectors.toSet());
    assertEquals(devKeys, g.alloc().keySet());
    g.alloc().values().forEach(a -> assertTrue(a.balance().compareTo(BigInteger.TEN.pow(21)) >= 0));
    InMemoryNodeStore store = new InMemoryNodeStore();
    Hash32 root = g.write(store);
    WorldState state = WorldState.open(store, root);
    devKeys.forEach(a -> assertEquals(g.alloc().get(a), state.account(a)));
  }

  @Test
  void quantitiesInHexOrDecimal() {
    Genesis g = Genesis.parse("{\"config\":{\"chainId\":7},\"alloc\":{"
        + "\"00000000000000000000000000000000000000aa\":{\"balance\":\"0x10\"},"
        + "\"0x00000000000000000000000000000000000000bb\":{\"balance\":\"16\",\"nonce\":\"0x2\"}}}");
    assertEquals(new Account(0, BigInteger.valueOf(16)), g.alloc().get(Address.of("0x00000000000000000000000000000000000000aa")));
    assertEquals(new Account(2, BigInteger.valueOf(16)), g.alloc().get(Address.of("0x00000000000000000000000000000000000000bb")));
  }

  @Test
  void clearErrors() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Genesis.parse("{\"alloc\":{}}"));
    assertTrue(e.getMessage().contains("config.chainId"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Genesis.parse(
        "{\"config\":{\"chainId\":7},\"alloc\":{\"0x00000000000000000000000000000000000000aa\":{\"balance\":\"1\",\"code\":\"0x60\"}}}"));
    assertTrue(e.getMessage().contains("code or storage"), e.getMessage());
  }

  @Test
  void emptyAllocationHasTheEmptyRoot() {
    assertEquals(MerklePatriciaTrie.EMPTY_ROOT, Genesis.parse("{\"config\":{\"chainId\":7}}").write(new InMemoryNodeStore()));
  }
}
