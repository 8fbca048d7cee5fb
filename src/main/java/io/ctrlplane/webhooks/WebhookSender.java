package io.ctrlplane.webhooks;

import io.ctrlplane.events.DeployEvent;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * POSTs one delivery attempt: the event as CloudEvents structured JSON, signed. The outcome is the
 * HTTP status (2xx = delivered) or the failure (refused, timed out). Redirects are not followed: a
 * receiver that moved must be re-registered, rather than the signature being sent somewhere else.
 */
final class WebhookSender {
  static final String TIMESTAMP = "Ctrlplane-Timestamp";
  static final String DELIVERY = "Ctrlplane-Delivery";
  static final String EVENT_ID = "Ctrlplane-Event-Id";
  static final String EVENT_TYPE = "Ctrlplane-Event-Type";
  static final String ATTEMPT = "Ctrlplane-Attempt";

  /** One attempt's outcome: an HTTP status, or an error message when there was no response. */
  record Outcome(Integer status, String error) {
    boolean delivered() {
      return status != null && status >= 200 && status < 300;
    }

    String describe() {
      return status != null ? "HTTP " + status : error;
    }
  }

  private final HttpClient client;
  private final long timeoutMs;

  WebhookSender(HttpClient client, long timeoutMs) {
    this.client = client;
    this.timeoutMs = timeoutMs;
  }

  Future<Outcome> post(
      WebhookStore.Target target,
      String deliveryId,
      String eventId,
      String eventType,
      int attempt,
      String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .set("Content-Type", DeployEvent.CONTENT_TYPE)
            .set("User-Agent", "ctrlplane-webhooks/0.1")
            .set(Signature.HEADER, Signature.sign(target.secret(), bytes))
            .set(TIMESTAMP, String.valueOf(Instant.now().getEpochSecond()))
            .set(DELIVERY, deliveryId)
            .set(EVENT_ID, eventId)
            .set(EVENT_TYPE, eventType)
            .set(ATTEMPT, String.valueOf(attempt));
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(target.url())
            .setHeaders(headers)
            .setFollowRedirects(false)
            .setConnectTimeout(timeoutMs)
            .setIdleTimeout(timeoutMs);
    return client
        .request(options)
        .compose(request -> request.send(Buffer.buffer(bytes)))
        // drain the answer without keeping it: only the status matters
        .compose(response -> response.end().map(v -> new Outcome(response.statusCode(), null)))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .otherwise(e -> new Outcome(null, describe(e)));
  }

  private static String describe(Throwable e) {
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    msg = msg.lines().findFirst().orElse(msg);
    return msg.length() > 300 ? msg.substring(0, 300) : msg;
  }
}
