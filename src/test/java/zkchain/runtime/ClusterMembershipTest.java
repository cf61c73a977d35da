package zkchain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zkchain.node.ZkChainNode;
import zkchain.testing.NodeCluster;
import zkchain.testing.RoleJvm;
import zkchain.testing.TestDatabases;
import zkchain.testing.TestNodes;

/**
 * Issue 9, items 1, 4 and 5: how a process becomes a member of a larger cluster: seed nodes from
 * the environment, an H2 node refused (checked, and as a process that exits saying why), a member
 * that has not joined is not ready, the app version from the Kubernetes Deployment's revision.
 * The clusters themselves are in zkchain.node.ClusterFailoverTest and ClusterRollingRestartTest.
 */
class ClusterMembershipTest {
  @TempDir Path dir;

  @Test
  void seedNodesFromTheEnvironmentUnderTheFlags() {
    var env = Map.of("ZKCHAIN_SEED_NODES", "db-1:25520, 10.0.0.2:25520");
    assertEquals(List.of("akka://zkchain@db-1:25520", "akka://zkchain@10.0.0.2:25520"),
        Configuration.load(Map.of(), null, env).getStringList("akka.cluster.seed-nodes"));
    assertEquals(List.of("akka://zkchain@flag:1"), Configuration.load(
            Map.of("akka.cluster.seed-nodes", List.of("akka://zkchain@flag:1")), null, env)
        .getStringList("akka.cluster.seed-nodes"), "the flag over the environment");
    var e = assertThrows(IllegalArgumentException.class,
        () -> Configuration.load(Map.of(), null, Map.of("ZKCHAIN_SEED_NODES", "db-1")));
    assertTrue(e.getMessage().contains("seed node 'db-1' is not host:port"), e.getMessage());
  }

  @Test
  void anH2NodeWithSeedNodesOrBootstrapIsRefusedAndToldWhy() {
    Map<String, Object> seeds = Map.of("zkchain.data-dir", dir.toString(),
        "akka.cluster.seed-nodes", List.of("akka://zkchain@127.0.0.1:25520"));
    var e = assertThrows(IllegalArgumentException.class,
        () -> Boot.checkMembership(Configuration.load(seeds, null, Map.of())));
    assertTrue(e.getMessage().contains("an embedded file database cannot be shared between processes"), e.getMessage());
    assertTrue(e.getMessage().contains("ZKCHAIN_DB=postgres"), e.getMessage());

    var bootstrap = Map.<String, Object>of("zkchain.data-dir", dir.toString(), "zkchain.cluster.bootstrap", true);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Boot.checkMembership(
        Configuration.load(bootstrap, null, Map.of()))).getMessage().contains("Cluster Bootstrap but its database is the embedded"));

    Map<String, Object> both = new HashMap<>(seeds);
    both.putAll(Map.of("zkchain.cluster.bootstrap", true, "zkchain.db.kind", "postgres",
        "zkchain.db.url", "jdbc:postgresql://127.0.0.1:5432/test"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Boot.checkMembership(
        Configuration.load(both, null, Map.of()))).getMessage().contains("two ways of joining: give one of them"));

    Boot.checkMembership(Configuration.load(Map.of("zkchain.data-dir", dir.toString()), null, Map.of()));
  }

  @Test
  void aNodeProcessOnH2WithSeedNodesExitsAndSaysWhy() {
    RoleJvm node = RoleJvm.of("node", dir.resolve("h2-node"), Map.of("zkchain.data-dir", dir.resolve("data").toString(),
        "zkchain.http.port", 0, "akka.remote.artery.canonical.port", 0,
        "akka.cluster.seed-nodes", List.of("akka://zkchain@127.0.0.1:25520")));
    var e = assertThrows(IllegalStateException.class, () -> node.start(Duration.ofSeconds(60)));
    assertTrue(e.getMessage().contains("exited with 1"), e.getMessage());
    assertTrue(e.getMessage().contains("zkchain: the node did not start: this process is given seed nodes "
        + "[akka://zkchain@127.0.0.1:25520] but its database is the embedded H2 file"), e.getMessage());
    assertTrue(e.getMessage().contains("an embedded file database cannot be shared between processes"), e.getMessage());
  }

  /** Issue 9, item 4: /ready is false on a member that has not joined its cluster; /status says so at once. */
  @Test
  void aMemberThatHasNotJoinedIsNotReady() throws Exception {
    try (var pg = TestDatabases.freshPgSchema()) {
      Map<String, Object> settings = new HashMap<>(pg.zkchainDbConfig());
      settings.put("akka.cluster.seed-nodes", List.of("akka://zkchain@127.0.0.1:" + NodeCluster.freePort()));
      try (ZkChainNode node = ZkChainNode.start(TestNodes.config(dir.resolve("alone"), settings))) {
        var ready = TestNodes.get(node.httpUrl() + "/ready");
        assertEquals(503, ready.status(), ready.body());
        var body = new ObjectMapper().readTree(ready.body());
        assertEquals("cluster", body.get("failing").get(0).asText(), ready.body());
        var status = new ObjectMapper().readTree(TestNodes.get(node.httpUrl() + "/status", Duration.ofSeconds(1)).body());
        assertTrue(status.get("cluster").get("selfStatus").asText().matches("Removed|Joining"), status.toString());
      }
    }
  }

  @Test
  void theAppVersionIsTheRevisionOfThePodsDeployment() throws Exception {
    HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    Map<String, String> answers = Map.of(
        "/api/v1/namespaces/rollup/pods/zkchain-7d9f-abcde",
        "{\"metadata\":{\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"zkchain-7d9f\"}]}}",
        "/apis/apps/v1/namespaces/rollup/replicasets/zkchain-7d9f",
        "{\"metadata\":{\"annotations\":{\"deployment.kubernetes.io/revision\":\"12\"}}}");
    api.createContext("/", exchange -> {
      String body = answers.get(exchange.getRequestURI().getPath());
      byte[] bytes = (body == null ? "{}" : body).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    api.start();
    try {
      var settings = new KubernetesRevision.Settings("http://127.0.0.1:" + api.getAddress().getPort(),
          dir.resolve("no-token"), dir.resolve("no-ca"), "rollup", "zkchain-7d9f-abcde", Duration.ofSeconds(5));
      assertEquals("12", KubernetesRevision.revision(settings));
      var other = new KubernetesRevision.Settings(settings.apiUrl(), settings.tokenFile(), settings.caFile(),
          "rollup", "no-such-pod", settings.requestTimeout());
      assertTrue(assertThrows(IllegalStateException.class, () -> KubernetesRevision.revision(other))
          .getMessage().contains("answered 404"));
    } finally {
      api.stop(0);
    }
    var e = assertThrows(IllegalArgumentException.class, () -> Boot.checkMembership(Configuration.load(Map.of(
        "zkchain.cluster.app-version-from", "kubernetes", "zkchain.cluster.bootstrap", true, "zkchain.db.kind", "postgres",
        "zkchain.db.url", "jdbc:postgresql://127.0.0.1:5432/test"), null, Map.of())));
    assertTrue(e.getMessage().contains("KUBERNETES_POD_NAME"), e.getMessage());
  }
}
