package zkchain.http;

import akka.event.LoggingAdapter;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.scaladsl.model.ErrorInfo;
import akka.http.scaladsl.model.StatusCode;
import akka.http.scaladsl.settings.ServerSettings;
import java.util.Map;

/**
 * A request akka-http cannot parse (a malformed request line, an oversize header or URI) is
 * answered before any route runs; this makes that answer JSON too, like every other error.
 * Configured as {@code akka.http.server.parsing.error-handler}.
 */
public final class JsonParsingErrors extends akka.http.ParsingErrorHandler {
  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo error, LoggingAdapter log, ServerSettings settings) {
    String why = error.summary() + (error.detail().isEmpty() ? "" : ": " + error.detail());
    log.warning("refused an HTTP request that does not parse ({}): {}", status.intValue(), why);
    try {
      String body = ManagementRoutes.JSON.writeValueAsString(Map.of("error", why));
      return HttpResponse.create().withStatus(status.intValue())
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
