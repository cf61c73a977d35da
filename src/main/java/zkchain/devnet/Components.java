package zkchain.devnet;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Started parts of a rollup, stopped newest first: what depends on L1 stops before L1 does. */
public final class Components implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Components.class);

  private final Deque<AutoCloseable> running = new ArrayDeque<>();

  public <T extends AutoCloseable> T add(T component) {
    running.push(component);
    return component;
  }

  /** Stops one part early (a killed upstream, a restarted node); close() then skips it. */
  public void stop(AutoCloseable component) throws Exception {
    running.remove(component);
    component.close();
  }

  @Override
  public void close() {
    while (!running.isEmpty()) {
      AutoCloseable next = running.pop();
      try {
        next.close();
      } catch (Exception e) {
        log.warn("stopping {} failed: {}", next.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
