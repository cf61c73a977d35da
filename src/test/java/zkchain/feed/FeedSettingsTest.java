package zkchain.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** conf/feed.conf's defaults are what the settings read, and an operator's values win over them. */
class FeedSettingsTest {
  @Test
  void defaultsComeFromFeedConf() {
    var empty = ConfigFactory.load(); // application.conf and its includes, nothing given
    assertEquals(new FeedServer.Settings(Duration.ofSeconds(5), 1000, 256), FeedServer.Settings.from(empty));
    assertEquals(new FeedSource.Settings(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofMillis(500),
        Duration.ofSeconds(30), 262_144), FeedSource.Settings.from(empty));
    assertEquals(List.of(), FeedSource.Settings.urls(empty));
  }

  @Test
  void givenValuesWin() {
    var config = ConfigFactory.parseString("""
        zkchain.feed.server.max-connections = 3
        zkchain.feed.client.urls = ["ws://a/feed", "ws://b/feed"]
        zkchain.feed.client.silence-timeout = 2s
        """).withFallback(ConfigFactory.load());
    assertEquals(3, FeedServer.Settings.from(config).maxConnections());
    assertEquals(Duration.ofSeconds(2), FeedSource.Settings.from(config).silenceTimeout());
    assertEquals(List.of("ws://a/feed", "ws://b/feed"), FeedSource.Settings.urls(config));
  }
}
