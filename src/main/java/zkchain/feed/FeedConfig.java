package zkchain.feed;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** The {@code zkchain.feed} settings, with conf/feed.conf's defaults under whatever is given. */
final class FeedConfig {
  private FeedConfig() {}

  static Config section(Config config, String name) {
    return config.withFallback(ConfigFactory.parseResources("feed.conf")).resolve().getConfig("zkchain.feed." + name);
  }
}
