package zkchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Issue 9, item 5: deploy/ as the operator gets it. The Kubernetes manifests parse as YAML and say
 * what the cluster needs (replicas, update strategy, probes, RBAC, discovery and bootstrap
 * settings that match the pods); the compose file runs three members of one cluster on
 * PostgreSQL; the Dockerfile builds the jar with the very command ./zkchain and the README use.
 * (No Docker engine here: the image itself is not built by the tests.)
 */
class DeployFilesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path DEPLOY = Path.of("deploy");

  /** Every YAML document of the file (anchors and merge keys resolved, as compose and kubectl do). */
  static List<JsonNode> documents(Path file) throws Exception {
    List<JsonNode> docs = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(Files.readString(file))) {
      if (doc != null) docs.add(JSON.valueToTree(doc));
    }
    return docs;
  }

  /** Every object of the kustomization's resources, by kind. */
  static Map<String, List<JsonNode>> kubernetesObjects() throws Exception {
    Path dir = DEPLOY.resolve("kubernetes");
    JsonNode kustomization = documents(dir.resolve("kustomization.yaml")).get(0);
    Map<String, List<JsonNode>> byKind = new HashMap<>();
    for (JsonNode resource : kustomization.get("resources")) {
      for (JsonNode doc : documents(dir.resolve(resource.asText()))) {
        byKind.computeIfAbsent(doc.get("kind").asText(), k -> new ArrayList<>()).add(doc);
      }
    }
    return byKind;
  }

  @Test
  void theDeploymentRunsThreeMembersThatBootstrapAndRollOneAtATime() throws Exception {
    JsonNode deployment = kubernetesObjects().get("Deployment").get(0);
    JsonNode spec = deployment.get("spec");
    assertEquals(3, spec.get("replicas").asInt());
    assertEquals("RollingUpdate", spec.get("strategy").get("type").asText());
    assertEquals(1, spec.get("strategy").get("rollingUpdate").get("maxSurge").asInt());
    assertEquals(0, spec.get("strategy").get("rollingUpdate").get("maxUnavailable").asInt());

    JsonNode pod = spec.get("template");
    assertEquals("zkchain", pod.get("metadata").get("labels").get("app").asText());
    assertEquals(spec.get("selector").get("matchLabels"), pod.get("metadata").get("labels"));
    JsonNode container = pod.get("spec").get("containers").get(0);
    assertEquals("/ready", container.get("readinessProbe").get("httpGet").get("path").asText());
    assertEquals("management", container.get("readinessProbe").get("httpGet").get("port").asText());
    assertEquals("/alive", container.get("livenessProbe").get("httpGet").get("path").asText());
    assertEquals("management", container.get("livenessProbe").get("httpGet").get("port").asText());
    Map<String, Integer> ports = new HashMap<>();
    container.get("ports").forEach(p -> ports.put(p.get("name").asText(), p.get("containerPort").asInt()));
    Map<String, JsonNode> env = new HashMap<>();
    container.get("env").forEach(e -> env.put(e.get("name").asText(), e));
    assertEquals(ports.get("management"), Integer.valueOf(env.get("ZKCHAIN_HTTP_PORT").get("value").asText()),
        "the probes' port is the node's HTTP port");
    assertEquals(ports.get("remoting"), Integer.valueOf(env.get("ZKCHAIN_CLUSTER_PORT").get("value").asText()));
    assertEquals("0.0.0.0", env.get("ZKCHAIN_HTTP_INTERFACE").get("value").asText());
    assertEquals("status.podIP", env.get("ZKCHAIN_CLUSTER_HOST").get("valueFrom").get("fieldRef").get("fieldPath").asText());
    assertEquals("on", env.get("ZKCHAIN_CLUSTER_BOOTSTRAP").get("value").asText());
    assertFalse(env.containsKey("ZKCHAIN_SEED_NODES"), "bootstrap, not seed nodes");
    assertEquals("kubernetes", env.get("ZKCHAIN_APP_VERSION_FROM").get("value").asText());
    assertEquals("metadata.name", env.get("KUBERNETES_POD_NAME").get("valueFrom").get("fieldRef").get("fieldPath").asText());
    assertEquals("postgres", env.get("ZKCHAIN_DB").get("value").asText());
    for (String secret : List.of("ZKCHAIN_DB_USER", "ZKCHAIN_DB_PASSWORD")) {
      assertNotNull(env.get(secret).get("valueFrom").get("secretKeyRef"), secret + " from a Secret");
    }

    // the rollup file and the settings come from the ConfigMap the kustomization generates
    JsonNode kustomization = documents(DEPLOY.resolve("kubernetes/kustomization.yaml")).get(0);
    JsonNode generator = kustomization.get("configMapGenerator").get(0);
    List<String> files = new ArrayList<>();
    generator.get("files").forEach(f -> files.add(f.asText()));
    assertTrue(files.containsAll(List.of("zkchain.conf", "rollup.json")), files.toString());
    assertEquals(generator.get("name").asText(), pod.get("spec").get("volumes").get(0).get("configMap").get("name").asText());
    String mount = container.get("volumeMounts").get(0).get("mountPath").asText();
    List<String> args = new ArrayList<>();
    container.get("args").forEach(a -> args.add(a.asText()));
    assertEquals("node", args.get(0));
    assertEquals(mount + "/zkchain.conf", args.get(args.indexOf("--config") + 1));
    assertEquals(mount + "/rollup.json", args.get(args.indexOf("--rollup") + 1));

    // discovery finds these pods (label app=<service-name>) at the port the container names
    Config conf = ConfigFactory.parseFile(DEPLOY.resolve("kubernetes/zkchain.conf").toFile());
    assertEquals("kubernetes-api", conf.getString("akka.discovery.method"));
    Config discovery = conf.getConfig("akka.management.cluster.bootstrap.contact-point-discovery");
    assertEquals("app=" + discovery.getString("service-name"),
        conf.getString("akka.discovery.kubernetes-api.pod-label-selector").replace("%s", discovery.getString("service-name")));
    assertEquals("app=" + pod.get("metadata").get("labels").get("app").asText(),
        "app=" + discovery.getString("service-name"));
    assertTrue(ports.containsKey(discovery.getString("port-name")), "the named port " + discovery.getString("port-name"));
    assertEquals(3, discovery.getInt("required-contact-point-nr"));
  }

  @Test
  void theServiceAccountMayReadPodsAndReplicaSets() throws Exception {
    Map<String, List<JsonNode>> objects = kubernetesObjects();
    String account = objects.get("Deployment").get(0).get("spec").get("template").get("spec")
        .get("serviceAccountName").asText();
    assertEquals(account, objects.get("ServiceAccount").get(0).get("metadata").get("name").asText());
    JsonNode role = objects.get("Role").get(0);
    JsonNode binding = objects.get("RoleBinding").get(0);
    assertEquals(role.get("metadata").get("name").asText(), binding.get("roleRef").get("name").asText());
    assertEquals(account, binding.get("subjects").get(0).get("name").asText());
    Map<String, List<String>> verbs = new HashMap<>();
    for (JsonNode rule : role.get("rules")) {
      for (JsonNode resource : rule.get("resources")) {
        List<String> v = new ArrayList<>();
        rule.get("verbs").forEach(x -> v.add(x.asText()));
        verbs.put(resource.asText(), v);
      }
    }
    assertTrue(verbs.get("pods").containsAll(List.of("get", "watch", "list")), verbs.toString());
    assertTrue(verbs.get("replicasets").contains("get"), verbs.toString());
  }

  @Test
  void composeRunsPostgresAndThreeMembersOfOneCluster() throws Exception {
    JsonNode services = documents(DEPLOY.resolve("docker/compose.yaml")).get(0).get("services");
    assertTrue(services.get("postgres").get("image").asText().startsWith("postgres:"));
    List<String> members = new ArrayList<>();
    services.fieldNames().forEachRemaining(n -> {
      if (n.startsWith("zkchain-")) members.add(n);
    });
    assertEquals(List.of("zkchain-1", "zkchain-2", "zkchain-3"), members);
    for (String m : members) {
      JsonNode env = services.get(m).get("environment");
      assertEquals("postgres", env.get("ZKCHAIN_DB").asText());
      assertEquals("jdbc:postgresql://postgres:5432/zkchain", env.get("ZKCHAIN_DB_URL").asText());
      assertEquals(m, env.get("ZKCHAIN_CLUSTER_HOST").asText());
      assertEquals(List.of(members.get(0) + ":25520", members.get(1) + ":25520", members.get(2) + ":25520"),
          List.of(env.get("ZKCHAIN_SEED_NODES").asText().split(",")));
      assertEquals("deploy/docker/Dockerfile", services.get(m).get("build").get("dockerfile").asText());
    }
  }

  /** The build command ./zkchain runs to build the jar. */
  static String launcherBuildCommand() throws Exception {
    Matcher m = Pattern.compile("\\(cd [^&]+&& (mvn [^)]+)\\)").matcher(Files.readString(Path.of("zkchain")));
    assertTrue(m.find(), "./zkchain builds with mvn");
    return m.group(1).trim();
  }

  @Test
  void theDockerfileBuildsTheJarAsTheReadmeAndTheLauncherDo() throws Exception {
    String build = launcherBuildCommand();
    List<String> dockerfile = Files.readAllLines(DEPLOY.resolve("docker/Dockerfile"));
    assertEquals(2, dockerfile.stream().filter(l -> l.startsWith("FROM ")).count(), "two stages");
    assertTrue(dockerfile.stream().anyMatch(l -> l.equals("RUN " + build)), "the Dockerfile runs `" + build + "`");
    assertTrue(dockerfile.stream().anyMatch(l -> l.matches("FROM eclipse-temurin:17-jre.*")), "a JRE 17 image");
    for (String copied : List.of("/src/target/zkchain.jar", "/src/target/lib", "COPY conf conf")) {
      assertTrue(dockerfile.stream().anyMatch(l -> l.contains(copied)), copied);
    }
    assertTrue(Files.readString(Path.of("README.md")).contains(build), "the README shows `" + build + "`");
    assertTrue(Files.readString(DEPLOY.resolve("README.md")).contains(build));
  }

  @Test
  void theSystemdUnitStopsGracefullyAndRestartsADownedMember() throws Exception {
    Map<String, String> unit = new HashMap<>();
    for (String line : Files.readAllLines(DEPLOY.resolve("systemd/zkchain-node.service"))) {
      int eq = line.indexOf('=');
      if (!line.startsWith("#") && eq > 0) unit.put(line.substring(0, eq), line.substring(eq + 1));
    }
    assertTrue(unit.get("ExecStart").contains("-jar /opt/zkchain/zkchain.jar node"), unit.get("ExecStart"));
    assertEquals("SIGTERM", unit.get("KillSignal"));
    assertEquals("143", unit.get("SuccessExitStatus"));
    assertEquals("always", unit.get("Restart"));
    assertEquals("/etc/zkchain/node.env", unit.get("EnvironmentFile"));
    List<String> env = Files.readAllLines(DEPLOY.resolve("systemd/zkchain-node.env"));
    for (String key : List.of("ZKCHAIN_CLUSTER_HOST", "ZKCHAIN_SEED_NODES", "ZKCHAIN_DB_URL", "ZKCHAIN_L1_URL")) {
      assertTrue(env.stream().anyMatch(l -> l.startsWith(key + "=")), key);
    }
  }
}
