package io.ctrlplane.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The CLI's blocking HTTP client (java.net.http: no event loop to start or stop in a short-lived
 * command). Problem documents become a {@link CliException} with one readable line.
 */
public final class ApiHttp {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final CliConfig config;

  public ApiHttp(CliConfig config) {
    this.config = config;
  }

  public JsonObject get(String path) {
    return json(send(request(path).GET().timeout(TIMEOUT).build()));
  }

  /** DELETE; the answer's body, or {} for a 204. */
  public JsonObject delete(String path) {
    return json(send(request(path).DELETE().timeout(TIMEOUT).build()));
  }

  public JsonObject post(String path, JsonObject body, Map<String, String> headers) {
    HttpRequest.Builder r =
        request(path)
            .timeout(TIMEOUT)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    headers.forEach(r::header);
    return json(send(r.build()));
  }

  /**
   * Reads the event stream at {@code path}, giving each event to {@code onEvent} until it returns
   * false or the server ends the stream. An {@link IOException} means the connection dropped.
   */
  public void stream(String path, Predicate<SseParser.Event> onEvent) throws IOException {
    HttpRequest r = request(path).header("accept", "text/event-stream").GET().build();
    HttpResponse<InputStream> response = call(r, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      try (InputStream body = response.body()) {
        throw refusal(
            response.statusCode(), new String(body.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    SseParser parser = new SseParser();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        SseParser.Event event = parser.line(line);
        if (event != null && !event.comment() && !onEvent.test(event)) {
          return;
        }
      }
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b;
    try {
      b = HttpRequest.newBuilder(URI.create(config.apiUrl() + path));
    } catch (IllegalArgumentException e) {
      throw new CliException(
          ExitCodes.USAGE, "the API URL " + config.apiUrl() + " is not a valid URL");
    }
    if (config.apiKey() != null) {
      b.header("Authorization", "Bearer " + config.apiKey());
    }
    return b.header("user-agent", "ctrlplane-cli");
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return call(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  private <T> HttpResponse<T> call(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    try {
      return client.send(request, handler);
    } catch (ConnectException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
  }

  private CliException unreachable(IOException e) {
    String why =
        e instanceof ConnectException
            ? "connection refused"
            : e instanceof HttpTimeoutException ? "timed out" : String.valueOf(e.getMessage());
    return new CliException(
        ExitCodes.UNAVAILABLE,
        "cannot reach the API at "
            + config.apiUrl()
            + ": "
            + why
            + " (set --api-url or "
            + CliConfig.ENV_URL
            + ")");
  }

  private static JsonObject json(HttpResponse<String> response) {
    if (response.statusCode() >= 400) {
      throw refusal(response.statusCode(), response.body());
    }
    String body = response.body();
    return body == null || body.isBlank() ? new JsonObject() : new JsonObject(body);
  }

  /** {@code ctrlplane: <title>: <detail> (field: message; …)} from a problem document. */
  static CliException refusal(int status, String body) {
    int code = status >= 500 ? ExitCodes.UNAVAILABLE : ExitCodes.REFUSED;
    JsonObject problem;
    try {
      problem = new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      return new CliException(
          code, "HTTP " + status + (body == null || body.isBlank() ? "" : ": " + firstLine(body)));
    }
    StringBuilder line = new StringBuilder(problem.getString("title", "HTTP " + status));
    String detail =
        problem.getString("detail") == null ? null : firstLine(problem.getString("detail"));
    if (detail != null) {
      line.append(": ").append(detail);
    }
    JsonArray errors = problem.getJsonArray("errors");
    List<String> fields = new ArrayList<>();
    for (int i = 0; errors != null && i < errors.size(); i++) {
      JsonObject error = errors.getJsonObject(i);
      fields.add(error.getString("field") + ": " + firstLine(error.getString("message", "")));
    }
    // a detail that already is the one field error (or lists them all) says it once
    if (!fields.isEmpty() && (detail == null || !fields.stream().allMatch(detail::contains))) {
      line.append(" (").append(String.join("; ", fields)).append(')');
    }
    return new CliException(code, line.toString());
  }

  private static String firstLine(String text) {
    return text.lines().findFirst().orElse("");
  }
}
