package zkchain.infra;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/** web3j on an L1 JSON-RPC endpoint with bounded waits: a hung L1 fails a call, never a thread for good. */
public final class L1Client {
  private L1Client() {}

  /** {@code zkchain.l1.url} with {@code zkchain.l1.request-timeout}; the URL must be set. */
  public static Web3j connect(Config config, String role) {
    String url = config.getString("zkchain.l1.url");
    if (url.isEmpty()) throw new IllegalArgumentException("the " + role + " needs L1: set zkchain.l1.url (--l1 URL)");
    return connect(url, config.getDuration("zkchain.l1.request-timeout"));
  }

  public static Web3j connect(String url, Duration requestTimeout) {
    long millis = requestTimeout.toMillis();
    OkHttpClient http = new OkHttpClient.Builder()
        .connectTimeout(millis, TimeUnit.MILLISECONDS)
        .readTimeout(millis, TimeUnit.MILLISECONDS)
        .writeTimeout(millis, TimeUnit.MILLISECONDS)
        .build();
    return Web3j.build(new HttpService(url, http));
  }
}
