package zkchain.sequencer;

import akka.NotUsed;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.Map;
import org.web3j.crypto.Credentials;
import zkchain.DevKeys;
import zkchain.feed.FeedLog;
import zkchain.feed.FeedServer;
import zkchain.protocol.FeedMessage.BatchMessage;
import zkchain.runtime.RoleProcess;
import zkchain.runtime.Rollup;

/** `zkchain sequencer`: the trusted sequencer, its JSON-RPC for wallets and its feed on /feed. */
public final class SequencerRole implements AutoCloseable {
  private final RoleProcess process;
  private final Sequencer sequencer;
  private final int rpcPort;

  private SequencerRole(RoleProcess process, Sequencer sequencer, int rpcPort) {
    this.process = process;
    this.sequencer = sequencer;
    this.rpcPort = rpcPort;
  }

  public static SequencerRole start(Config config) {
    RoleProcess process = RoleProcess.boot(config);
    try {
      Config c = process.config();
      String key = c.getString("zkchain.sequencer.key");
      Credentials credentials = Credentials.create(key.isEmpty() ? DevKeys.key(DevKeys.SEQUENCER) : key);
      Rollup rollup = process.rollup(SequencerSettings.from(c).trieCacheNodes());
      Sequencer sequencer = Sequencer.start(process.system(), process.dataSource(), rollup, credentials);
      int rpcPort = sequencer.bindRpc().toCompletableFuture().join().localAddress().getPort();
      FeedServer feed = new FeedServer(process.system(), new ClosedBatches(sequencer), FeedServer.Settings.from(c));
      process.serve(RoleProcess.Serving.of(feed.route(), () -> Map.of("sequencer", status(sequencer, rpcPort)), () -> {
        feed.closeConnections(); // open WebSockets outlive the unbinding
        sequencer.stop().toCompletableFuture().join();
      }));
      return new SequencerRole(process, sequencer, rpcPort);
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
  }

  public Sequencer sequencer() {
    return sequencer;
  }

  public String rpcUrl() {
    return "http://127.0.0.1:" + rpcPort;
  }

  public String feedUrl() {
    return "ws://127.0.0.1:" + process.httpPort() + "/feed";
  }

  public RoleProcess process() {
    return process;
  }

  private static Map<String, Object> status(Sequencer sequencer, int rpcPort) {
    var head = sequencer.head().toCompletableFuture().join();
    var out = new LinkedHashMap<String, Object>();
    out.put("address", sequencer.sequencerAddress().hex());
    out.put("chainId", sequencer.chainId());
    out.put("lastClosedBatch", head.number());
    out.put("stateRoot", head.stateRoot().hex());
    out.put("rpcPort", rpcPort);
    return out;
  }

  /** The sequencer's feed is its closed batches, signed and persisted before they are served. */
  private record ClosedBatches(Sequencer sequencer) implements FeedLog {
    @Override
    public void append(BatchMessage batch) {
      throw new UnsupportedOperationException("the sequencer's feed is its own closed batches");
    }

    @Override
    public long head() {
      return sequencer.head().toCompletableFuture().join().number();
    }

    @Override
    public Source<BatchMessage, NotUsed> from(long number) {
      return sequencer.closedFrom(number);
    }
  }

  @Override
  public void close() {
    process.close();
  }
}
