package zkchain.devnet;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.sift.AbstractDiscriminator;

/**
 * Tells the devnet's sifting appender (devnet-logback.xml) which file a log line goes to: the
 * role whose thread logs it ({@link RoleClassLoader}: {@code node}, {@code sequencer},
 * {@code aggregator}), else {@value #OTHERS}.
 *
 * <p>{@value #OTHERS} gets the devnet's own threads (the main thread starting anvil and deploying
 * the contracts, the load generator, the stop hook, which also logs the roles' stopping) and
 * threads no role started, such as the JDK's common pool; a thread of a pool shared between roles
 * (OkHttp's, for one) logs as the role whose thread created it. It reads the logging thread, so
 * it must not sit behind an asynchronous appender.
 */
public final class RoleLogDiscriminator extends AbstractDiscriminator<ILoggingEvent> {
  /** The file of everything that is not a role's. */
  static final String OTHERS = "devnet";

  @Override
  public String getDiscriminatingValue(ILoggingEvent event) {
    return RoleClassLoader.roleOf(Thread.currentThread()).orElse(OTHERS);
  }

  @Override
  public String getKey() {
    return "role";
  }
}
