package io.ctrlplane.agent.engine;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A small client of the Docker Engine API (v1.41, which Docker and {@code podman system service}
 * both serve), on Vert.x's own HTTP client: over a unix domain socket (Vert.x 5's NIO transport
 * opens them through the JDK, no native library) or TCP. Only the calls an agent makes.
 */
public final class DockerEngine {
  static final String API = "/v1.41";

  private final String address;
  private final HttpClient client;
  private final SocketAddress server;

  /**
   * @param dockerHost {@code unix:///path/to.sock} or {@code tcp://host:port}, as DOCKER_HOST says
   */
  public DockerEngine(Vertx vertx, String dockerHost) {
    this.address = dockerHost;
    URI uri = URI.create(dockerHost);
    server =
        switch (uri.getScheme()) {
          case "unix" -> SocketAddress.domainSocketAddress(uri.getPath());
          case "tcp", "http" ->
              SocketAddress.inetSocketAddress(
                  uri.getPort() < 0 ? 2375 : uri.getPort(), uri.getHost());
          default ->
              throw new IllegalArgumentException(
                  "docker host must be unix:///path or tcp://host:port, got " + dockerHost);
        };
    client =
        vertx.createHttpClient(
            new HttpClientOptions().setConnectTimeout(2_000).setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(16));
  }

  public String address() {
    return address;
  }

  /** The engine's name and API version, e.g. "Podman Engine 4.3.1 (API 1.41)". */
  public Future<String> version() {
    return json(HttpMethod.GET, "/version", null, 5_000)
        .map(
            v -> {
              JsonArray parts = v.getJsonArray("Components", new JsonArray());
              String name =
                  parts.isEmpty() ? "Docker Engine" : parts.getJsonObject(0).getString("Name");
              return name
                  + " "
                  + v.getString("Version")
                  + " (API "
                  + v.getString("ApiVersion")
                  + ")";
            });
  }

  /** The image's inspect document, or null when the engine does not have it. */
  public Future<JsonObject> image(String ref) {
    return call(HttpMethod.GET, "/images/" + ref + "/json", null, 10_000)
        .compose(r -> r.status == 404 ? Future.succeededFuture(null) : r.json());
  }

  /**
   * Pulls an image; the engine streams progress and reports a failure inside the stream, so the
   * whole stream is read and its last error, if any, fails the future with the engine's words.
   */
  public Future<Void> pull(String ref) {
    int colon = ref.lastIndexOf(':');
    // repo:tag splits; repo@sha256:digest is passed whole
    boolean tagged = colon > ref.lastIndexOf('/') && !ref.contains("@");
    String query =
        "?fromImage="
            + enc(tagged ? ref.substring(0, colon) : ref)
            + (tagged
                ? "&tag=" + enc(ref.substring(colon + 1))
                : ref.contains("@") ? "" : "&tag=latest");
    return call(HttpMethod.POST, "/images/create" + query, null, 600_000)
        .compose(
            r -> {
              if (r.status / 100 != 2) {
                return Future.failedFuture(new EngineException(r.status, r.message()));
              }
              String error = null;
              for (String line : r.body.toString().split("\n")) {
                if (line.isBlank()) {
                  continue;
                }
                try {
                  JsonObject o = new JsonObject(line);
                  if (o.getString("error") != null) {
                    error = o.getString("error");
                  }
                } catch (RuntimeException e) {
                  // not JSON: progress text
                }
              }
              return error == null
                  ? Future.succeededFuture()
                  : Future.failedFuture(new EngineException(500, error.trim()));
            });
  }

  /** Creates a container; returns its id. */
  public Future<String> create(String name, JsonObject spec) {
    return json(HttpMethod.POST, "/containers/create?name=" + enc(name), spec, 60_000)
        .map(o -> o.getString("Id"));
  }

  public Future<Void> start(String id) {
    return call(HttpMethod.POST, "/containers/" + id + "/start", null, 60_000)
        .compose(r -> r.status == 304 ? Future.succeededFuture() : r.ok())
        .mapEmpty();
  }

  /** Waits for the container to exit (no deadline); yields its exit code. */
  public Future<Integer> await(String id) {
    return json(HttpMethod.POST, "/containers/" + id + "/wait", null, 0)
        .map(o -> o.getInteger("StatusCode", -1));
  }

  /** SIGTERM, then SIGKILL after {@code graceSeconds}; a stopped container is fine. */
  public Future<Void> stop(String id, int graceSeconds) {
    return call(
            HttpMethod.POST,
            "/containers/" + id + "/stop?t=" + graceSeconds,
            null,
            (graceSeconds + 30) * 1_000L)
        .compose(r -> r.status == 304 || r.status == 404 ? Future.succeededFuture() : r.ok())
        .mapEmpty();
  }

  /** Removes the container, running or not; one already gone is fine. */
  public Future<Void> remove(String id) {
    return call(HttpMethod.DELETE, "/containers/" + id + "?force=true&v=true", null, 60_000)
        .compose(r -> r.status == 404 ? Future.succeededFuture() : r.ok())
        .mapEmpty();
  }

  /** The container's inspect document, or null when it is gone. */
  public Future<JsonObject> inspect(String id) {
    return call(HttpMethod.GET, "/containers/" + id + "/json", null, 10_000)
        .compose(r -> r.status == 404 ? Future.succeededFuture(null) : r.json());
  }

  /** Every container, running or not, carrying the label {@code key=value}. */
  public Future<List<JsonObject>> list(String key, String value) {
    String filters = new JsonObject().put("label", new JsonArray().add(key + "=" + value)).encode();
    return call(HttpMethod.GET, "/containers/json?all=true&filters=" + enc(filters), null, 10_000)
        .compose(Reply::jsonArray)
        .map(
            a -> {
              List<JsonObject> out = new ArrayList<>();
              a.forEach(o -> out.add((JsonObject) o));
              return out;
            });
  }

  /** The last {@code tail} lines of the container's stdout and stderr, interleaved. */
  public Future<String> logs(String id, int tail) {
    return call(
            HttpMethod.GET,
            "/containers/" + id + "/logs?stdout=true&stderr=true&tail=" + tail,
            null,
            10_000)
        .compose(r -> r.ok().map(v -> LogFrames.text(r.body)));
  }

  public Future<Void> close() {
    return client.close();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private Future<JsonObject> json(HttpMethod method, String path, JsonObject body, long timeoutMs) {
    return call(method, path, body, timeoutMs).compose(Reply::json);
  }

  private Future<Reply> call(HttpMethod method, String path, JsonObject body, long timeoutMs) {
    RequestOptions options =
        new RequestOptions()
            .setServer(server)
            .setHost("localhost")
            .setMethod(method)
            .setURI(API + path)
            .setIdleTimeout(timeoutMs);
    return client
        .request(options)
        .compose(
            req ->
                body == null
                    ? req.send()
                    : req.putHeader("content-type", "application/json").send(body.toBuffer()))
        .compose(resp -> resp.body().map(b -> new Reply(method + " " + path, resp.statusCode(), b)))
        .recover(
            e ->
                e instanceof EngineException
                    ? Future.failedFuture(e)
                    : Future.failedFuture(
                        new EngineException(
                            0,
                            "container engine at " + address + " unreachable: " + e.getMessage())));
  }

  /** An answer: status and body. */
  private record Reply(String what, int status, Buffer body) {
    Future<Void> ok() {
      return status / 100 == 2
          ? Future.succeededFuture()
          : Future.failedFuture(new EngineException(status, message()));
    }

    Future<JsonObject> json() {
      return ok().map(v -> body.length() == 0 ? new JsonObject() : body.toJsonObject());
    }

    Future<JsonArray> jsonArray() {
      return ok().map(v -> body.toJsonArray());
    }

    /** The engine's own words: its JSON {@code message}, else the body. */
    String message() {
      try {
        String m = body.toJsonObject().getString("message");
        if (m != null) {
          return m;
        }
      } catch (RuntimeException e) {
        // not JSON
      }
      return what + " answered " + status + ": " + body.toString().trim();
    }
  }
}
