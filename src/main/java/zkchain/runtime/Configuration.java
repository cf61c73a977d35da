package zkchain.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.Map;

/** How every role reads its settings. */
public final class Configuration {
  private Configuration() {}

  /** Flags over --config FILE over conf/application.conf (with its includes) over Akka's defaults. */
  public static Config load(Map<String, Object> overrides, File configFile) {
    Config layered = ConfigFactory.parseMap(overrides);
    if (configFile != null) layered = layered.withFallback(ConfigFactory.parseFile(configFile));
    return ConfigFactory.load(layered.withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }
}
