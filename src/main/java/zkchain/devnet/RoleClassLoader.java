package zkchain.devnet;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Marks the threads of one of the devnet's roles, so that its log lines can go to a file of its
 * own ({@link RoleLogDiscriminator}).
 *
 * <p>The devnet runs every role in one JVM, and every role's actor system has the same name
 * ({@link zkchain.runtime.Configuration#SYSTEM_NAME}, part of its cluster address): neither the
 * threads' names ({@code zkchain-akka.actor.default-dispatcher-5}) nor Akka's MDC
 * ({@code sourceActorSystem}) tell the roles apart. The threads' context class loader does: an
 * actor system takes the context class loader of the thread that creates it and gives it to every
 * thread it starts (dispatchers, scheduler), and a plain Java thread inherits it from the thread
 * that creates it (the database pool's, H2's, the heads reader's). This loader loads nothing
 * itself: it leaves every class and resource to its parent and only carries the role's name.
 */
final class RoleClassLoader extends ClassLoader {
  static {
    registerAsParallelCapable();
  }

  private final String role;

  private RoleClassLoader(String role, ClassLoader parent) {
    super("zkchain-" + role, parent);
    this.role = role;
  }

  /** Runs {@code start} on this thread marked as {@code role}'s, so that what it starts is marked too. */
  static <T> T startAs(String role, Supplier<T> start) {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    ClassLoader parent = previous != null ? previous : RoleClassLoader.class.getClassLoader();
    thread.setContextClassLoader(new RoleClassLoader(role, parent));
    try {
      return start.get();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  /** The role {@code thread} was started for, if it was started for one. */
  static Optional<String> roleOf(Thread thread) {
    return thread.getContextClassLoader() instanceof RoleClassLoader r ? Optional.of(r.role) : Optional.empty();
  }
}
