package io.ctrlplane.soak;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A blocking client of the soak's API process; a failed call answers status 0. */
final class Api {
  record Answer(int status, JsonObject json) {}

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final String base;
  private final String key;

  Api(String base, String key) {
    this.base = base;
    this.key = key;
  }

  Answer get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Answer post(String path, JsonObject body) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private Answer send(HttpRequest.Builder b) {
    try {
      HttpResponse<String> r =
          http.send(
              b.header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      JsonObject json = null;
      String text = r.body();
      if (text != null && text.startsWith("{")) {
        json = new JsonObject(text);
      }
      return new Answer(r.statusCode(), json);
    } catch (Exception e) {
      return new Answer(0, null);
    }
  }
}
