package zkchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zkchain.devnet.Anvil;
import zkchain.l1.L1Deployment;

class MainTest {
  @TempDir Path dir;

  @Test
  void flagsOverrideTheConfigFileWhichOverridesTheDefaults() throws Exception {
    Path file = dir.resolve("node.conf");
    Files.writeString(file, "zkchain.http.port = 9000\nzkchain.data-dir = \"from-file\"\nzkchain.l1.finality = safe\n");
    var inv = Main.parse(new String[] {"node", "--config", file.toString(), "--http-port", "9100",
        "--l1", "http://127.0.0.1:1", "--rollup", "r.json"});
    assertEquals("node", inv.role());
    assertEquals(9100, inv.config().getInt("zkchain.http.port"));
    assertEquals("from-file", inv.config().getString("zkchain.data-dir"));
    assertEquals("safe", inv.config().getString("zkchain.l1.finality"));
    assertEquals("http://127.0.0.1:1", inv.config().getString("zkchain.l1.url"));
    assertEquals("r.json", inv.config().getString("zkchain.l1.rollup-file"));
    assertEquals("127.0.0.1", inv.config().getString("zkchain.http.interface"), "loopback by default");
  }

  @Test
  void badCommandLinesAreUsageErrorsThatSayWhy() {
    assertNull(assertDoesNotThrowParse("--help"));
    assertTrue(assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"miner"}))
        .getMessage().contains("unknown role 'miner'"));
    assertTrue(assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"node", "--http-port", "x"}))
        .getMessage().contains("--http-port must be a port number"));
    assertTrue(assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"node", "--data-dir"}))
        .getMessage().contains("--data-dir needs a value"));
    assertTrue(assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"node", "--frobnicate", "1"}))
        .getMessage().contains("unknown option '--frobnicate'"));
    assertTrue(assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"deploy-l1", "--l1", "x"}))
        .getMessage().contains("deploy-l1 needs --l1 URL and --out FILE"));
  }

  /** Issue 9, item 1: a member's cluster address and seed nodes (the environment: ClusterMembershipTest). */
  @Test
  void rpcPortTurnsOnTheNodesJsonRpcAndIsTheSequencersWalletPort() throws Exception {
    var node = Main.parse(new String[] {"node", "--rpc-port", "9545", "--sequencer-rpc", "http://127.0.0.1:8123"})
        .config();
    assertTrue(node.getBoolean("zkchain.rpc.enabled"));
    assertEquals(9545, node.getInt("zkchain.rpc.port"));
    assertEquals("http://127.0.0.1:8123", node.getString("zkchain.rpc.sequencer-url"));
    assertEquals("127.0.0.1", node.getString("zkchain.rpc.host"));
    assertTrue(!Main.parse(new String[] {"node"}).config().getBoolean("zkchain.rpc.enabled"), "off unless asked for");
    var sequencer = Main.parse(new String[] {"sequencer", "--rpc-port", "9123"}).config();
    assertEquals(9123, sequencer.getInt("zkchain.sequencer.rpc.port"));
    assertTrue(!sequencer.getBoolean("zkchain.rpc.enabled"));
  }

  @Test
  void clusterFlags() throws Exception {
    var inv = Main.parse(new String[] {"node", "--cluster-host", "10.0.0.7", "--cluster-port", "25601",
        "--seed-nodes", "10.0.0.5:25600, 10.0.0.6:25600"});
    assertEquals("10.0.0.7", inv.config().getString("akka.remote.artery.canonical.hostname"));
    assertEquals(25601, inv.config().getInt("akka.remote.artery.canonical.port"));
    assertEquals(java.util.List.of("akka://zkchain@10.0.0.5:25600", "akka://zkchain@10.0.0.6:25600"),
        inv.config().getStringList("akka.cluster.seed-nodes"));
    assertEquals(java.util.List.of(), Main.parse(new String[] {"node"}).config().getStringList("akka.cluster.seed-nodes"),
        "no seed nodes: a cluster of one");

    for (String bad : new String[] {"10.0.0.5", "10.0.0.5:0", "10.0.0.5:70000", "akka://zkchain@h:1", ":25520"}) {
      var e = assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"node", "--seed-nodes", bad}));
      assertTrue(e.getMessage().contains("is not host:port"), bad + ": " + e.getMessage());
    }
    assertTrue(assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"node", "--cluster-port", "x"}))
        .getMessage().contains("--cluster-port must be a port number"));
  }

  static Main.Invocation assertDoesNotThrowParse(String... args) {
    try {
      return Main.parse(args);
    } catch (Main.UsageException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aFeedWithoutL1IsRefusedAtStart() {
    var config = zkchain.testing.TestNodes.config(dir, java.util.Map.of(
        "zkchain.feed.client.urls", java.util.List.of("ws://127.0.0.1:1/feed")));
    var e = assertThrows(IllegalStateException.class, () -> zkchain.node.ZkChainNode.start(config));
    assertTrue(e.getMessage().contains("--feed needs --l1 URL and --rollup FILE"), e.getMessage());
  }

  @Test
  void deployL1WritesTheDeploymentWithTheConfiguredRoles() throws Exception {
    String sequencer = Credentials.create(DevKeys.key(5)).getAddress();
    Path file = dir.resolve("roles.conf");
    Files.writeString(file, "zkchain.deploy.trusted-sequencer = \"" + sequencer + "\"\n");
    try (Anvil anvil = Anvil.start()) {
      Path out = dir.resolve("rollup.json");
      var inv = Main.parse(new String[] {"deploy-l1", "--l1", anvil.url(), "--out", out.toString(),
          "--config", file.toString()});
      Main.deployL1(inv.config());
      L1Deployment d = L1Deployment.read(out);
      assertEquals(sequencer, d.trustedSequencer());
      assertEquals(Credentials.create(DevKeys.key(DevKeys.AGGREGATOR)).getAddress(), d.trustedAggregator());
      assertEquals(1001, d.l2ChainId());
      assertTrue(d.deployBlock() > 0);
    }
  }
}
