package zkchain.node;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.Web3j;
import zkchain.batch.TransactionIndexProjection;
import zkchain.http.JsonRpc;
import zkchain.http.NodeRpc;
import zkchain.infra.L1Client;
import zkchain.runtime.Rollup;

/**
 * The node's JSON-RPC endpoint ({@code zkchain.rpc}, {@code --rpc-port}): {@link NodeRpc} on its
 * own port, HTTP and WebSocket, bound to 127.0.0.1 unless opened on purpose. The transaction
 * index projection runs on every member whether or not this one serves JSON-RPC.
 */
final class NodeJsonRpc implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeJsonRpc.class);

  private final NodeRpc methods;
  private final ServerBinding binding;
  private final Web3j l1;

  private NodeJsonRpc(NodeRpc methods, ServerBinding binding, Web3j l1) {
    this.methods = methods;
    this.binding = binding;
    this.l1 = l1;
  }

  /** Null when {@code zkchain.rpc.enabled} is off. */
  static NodeJsonRpc startIfEnabled(ActorSystem<?> system, Rollup rollup, DataSource dataSource,
                                    Supplier<Map<String, Object>> l1Status) {
    TransactionIndexProjection.init(system);
    NodeRpc.Settings settings = NodeRpc.Settings.from(system.settings().config());
    if (!settings.enabled()) return null;
    Web3j l1 = L1Client.connect(system.settings().config(), "node");
    NodeRpc methods = new NodeRpc(system, rollup, dataSource, l1, l1Status, settings);
    try {
      ServerBinding binding = Http.get(system).newServerAt(settings.host(), settings.port())
          .bind(new JsonRpc(methods, settings.limits()).route())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      NodeJsonRpc rpc = new NodeJsonRpc(methods, binding, l1);
      log.info("JSON-RPC on {} (WebSocket on the same port)", rpc.url());
      return rpc;
    } catch (Exception e) {
      methods.stop();
      l1.shutdown();
      throw new IllegalStateException("cannot bind the JSON-RPC port " + settings.port() + ": " + e, e);
    }
  }

  String url() {
    return "http://" + binding.localAddress().getHostString() + ":" + binding.localAddress().getPort();
  }

  @Override
  public void close() {
    methods.stop();
    try {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("JSON-RPC did not unbind cleanly: {}", e.toString());
    } finally {
      l1.shutdown();
    }
  }
}
