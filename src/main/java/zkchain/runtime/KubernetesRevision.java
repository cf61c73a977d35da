package zkchain.runtime;

import akka.util.Version;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code akka.cluster.app-version} from the revision of the Kubernetes Deployment this pod belongs
 * to: the {@code deployment.kubernetes.io/revision} annotation of the pod's ReplicaSet, read from
 * the Kubernetes API with the pod's service account before the member joins. Each rollout raises
 * it, so during a rolling update Akka puts new shards on the members of the newest revision.
 * (akka-rolling-update-kubernetes does the same, but is not published on Maven Central for 1.4.0.)
 */
final class KubernetesRevision {
  private static final Logger log = LoggerFactory.getLogger(KubernetesRevision.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ATTEMPTS = 5;

  /** {@code zkchain.cluster.kubernetes}: where the API is and who this pod is. */
  record Settings(String apiUrl, Path tokenFile, Path caFile, String namespace, String podName,
                  Duration requestTimeout) {
    static Settings from(Config config) {
      Config k = config.getConfig("zkchain.cluster.kubernetes");
      String podName = k.getString("pod-name");
      if (podName.isEmpty()) {
        throw new IllegalArgumentException("zkchain.cluster.app-version-from = kubernetes needs the pod's name in "
            + "KUBERNETES_POD_NAME (the Downward API's metadata.name)");
      }
      String api = k.getString("api-url");
      if (api.isEmpty()) {
        String host = System.getenv("KUBERNETES_SERVICE_HOST");
        if (host == null) {
          throw new IllegalArgumentException("zkchain.cluster.app-version-from = kubernetes: no Kubernetes API "
              + "(KUBERNETES_SERVICE_HOST is not set and zkchain.cluster.kubernetes.api-url is empty)");
        }
        api = "https://" + host + ":" + System.getenv().getOrDefault("KUBERNETES_SERVICE_PORT", "443");
      }
      String namespace = k.getString("namespace");
      Path namespaceFile = Path.of(k.getString("namespace-file"));
      if (namespace.isEmpty()) {
        try {
          namespace = Files.readString(namespaceFile).trim();
        } catch (IOException e) {
          throw new IllegalArgumentException("zkchain.cluster.app-version-from = kubernetes: cannot read the "
              + "namespace from " + namespaceFile + " (" + e.getMessage() + "); set KUBERNETES_NAMESPACE", e);
        }
      }
      return new Settings(api, Path.of(k.getString("token-file")), Path.of(k.getString("ca-file")), namespace,
          podName, k.getDuration("request-timeout"));
    }
  }

  private KubernetesRevision() {}

  /**
   * The revision as an app version, read on {@code blocking}; after {@link #ATTEMPTS} failed reads,
   * {@code fallback} (the configured {@code akka.cluster.app-version}), logged once, so the member
   * still joins.
   */
  static CompletionStage<Version> read(Settings settings, Version fallback, Executor blocking) {
    return CompletableFuture.supplyAsync(() -> {
      Exception last = null;
      for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        try {
          String revision = revision(settings);
          log.info("akka.cluster.app-version is {}, the revision of this pod's Deployment", revision);
          return new Version(revision);
        } catch (Exception e) {
          last = e;
          sleep(Duration.ofSeconds(attempt));
        }
      }
      log.warn("could not read this pod's Deployment revision from {} ({}); akka.cluster.app-version stays {}",
          settings.apiUrl(), last.getMessage(), fallback);
      return fallback;
    }, blocking);
  }

  /** The pod's ReplicaSet (its owner), then that ReplicaSet's revision annotation. */
  static String revision(Settings s) throws Exception {
    HttpClient http = client(s);
    String token = Files.exists(s.tokenFile()) ? Files.readString(s.tokenFile()).trim() : "";
    String base = s.apiUrl() + "/api/v1/namespaces/" + s.namespace();
    JsonNode pod = get(http, token, base + "/pods/" + s.podName(), s.requestTimeout());
    String replicaSet = null;
    for (JsonNode owner : pod.path("metadata").path("ownerReferences")) {
      if (owner.path("kind").asText().equals("ReplicaSet")) replicaSet = owner.path("name").asText();
    }
    if (replicaSet == null) throw new IllegalStateException("pod " + s.podName() + " is owned by no ReplicaSet");
    JsonNode rs = get(http, token, s.apiUrl() + "/apis/apps/v1/namespaces/" + s.namespace() + "/replicasets/"
        + replicaSet, s.requestTimeout());
    String revision = rs.path("metadata").path("annotations").path("deployment.kubernetes.io/revision").asText("");
    if (revision.isEmpty()) {
      throw new IllegalStateException("ReplicaSet " + replicaSet + " has no deployment.kubernetes.io/revision");
    }
    return revision;
  }

  private static JsonNode get(HttpClient http, String token, String url, Duration timeout) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET();
    if (!token.isEmpty()) request.header("Authorization", "Bearer " + token);
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET " + url + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }

  /** Trusts the cluster's CA (the service account's ca.crt) for https; plain http for a local API. */
  private static HttpClient client(Settings s) throws Exception {
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(s.requestTimeout());
    if (s.apiUrl().startsWith("https:") && Files.exists(s.caFile())) {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      try (InputStream in = Files.newInputStream(s.caFile())) {
        int i = 0;
        for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          trusted.setCertificateEntry("ca-" + i++, cert);
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      builder.sslContext(tls);
    }
    return builder.build();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
