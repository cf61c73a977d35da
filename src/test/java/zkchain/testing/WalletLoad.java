package zkchain.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Transfers sent through the sequencer's JSON-RPC as wallets send them, 20 at a time in a thread
 * of its own, until closed; the hash of every transfer the sequencer acknowledged is kept.
 */
public final class WalletLoad implements AutoCloseable {
  public final List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private final Thread thread;

  private WalletLoad(String rpcUrl) {
    this.thread = new Thread(() -> {
      try {
        while (running.get()) acknowledged.addAll(LocalRollup.sendTransfers(rpcUrl, 20));
      } catch (Exception e) {
        failure.set(e);
      }
    }, "wallet-load");
  }

  public static WalletLoad start(String rpcUrl) {
    WalletLoad load = new WalletLoad(rpcUrl);
    load.thread.start();
    return load;
  }

  /** Stops after the transfers in flight; a refused transfer fails here. */
  @Override
  public void close() throws Exception {
    running.set(false);
    thread.join();
    if (failure.get() != null) throw new IllegalStateException("the wallet load failed", failure.get());
  }
}
