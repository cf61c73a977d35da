package zkchain.http;

import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zkchain.batch.LiveHeads;
import zkchain.execution.L2Chain;

/**
 * {@code eth_subscribe("newHeads")}: every block the Trusted head passes, in order, to every
 * subscribed WebSocket, as geth sends them (the header fields, no transactions). The head is read
 * from {@link LiveHeads}; when it moves back (a trusted reorg discarded batches) the blocks from
 * there are sent again as the head passes them anew.
 */
final class NewHeads {
  private static final Logger log = LoggerFactory.getLogger(NewHeads.class);
  private static final Duration POLL = Duration.ofMillis(200);

  private final ActorSystem<?> system;
  private final L2Chain chain;
  private final Map<String, JsonRpc.Session> subscribers = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(1);
  private final AtomicBoolean busy = new AtomicBoolean();
  private final Cancellable poll;
  /** The last block number sent; -1 before the first poll. */
  private volatile long sent = -1;
  private volatile String lastProblem;

  NewHeads(ActorSystem<?> system, L2Chain chain, Executor blocking) {
    this.system = system;
    this.chain = chain;
    this.poll = system.scheduler().scheduleWithFixedDelay(POLL, POLL, () -> {
      if (busy.compareAndSet(false, true)) blocking.execute(this::publish);
    }, system.executionContext());
  }

  String subscribe(JsonRpc.Session session) {
    String id = "0x" + Long.toHexString(nextId.getAndIncrement());
    subscribers.put(id, session);
    session.onClose(() -> subscribers.remove(id));
    return id;
  }

  boolean unsubscribe(String id) {
    return subscribers.remove(id) != null;
  }

  void stop() {
    poll.cancel();
    subscribers.clear();
  }

  private void publish() {
    try {
      long head = LiveHeads.get(system).heads().trusted();
      if (sent < 0 || head < sent) {
        // from now on (a subscriber hears of the blocks after it subscribed); back when the head went back
        sent = head;
        return;
      }
      while (sent < head) {
        long n = sent + 1;
        var block = chain.block(n);
        if (block.isEmpty()) return; // the head read ahead of the entity: next poll
        if (!subscribers.isEmpty()) {
          ObjectNode header = EthJson.block(block.get(), false);
          header.remove("transactions");
          header.remove("uncles");
          header.remove("withdrawals");
          header.remove("size");
          header.remove("totalDifficulty");
          subscribers.forEach((id, session) -> {
            ObjectNode note = JsonRpc.NODES.objectNode();
            note.put("jsonrpc", "2.0");
            note.put("method", "eth_subscription");
            ObjectNode params = note.putObject("params");
            params.put("subscription", id);
            params.set("result", header);
            if (!session.push(note.toString())) subscribers.remove(id);
          });
        }
        sent = n;
      }
      lastProblem = null;
    } catch (RuntimeException e) {
      if (!e.getMessage().equals(lastProblem)) log.warn("newHeads could not build the next block: {}", e.getMessage());
      lastProblem = e.getMessage();
    } finally {
      busy.set(false);
    }
  }
}
