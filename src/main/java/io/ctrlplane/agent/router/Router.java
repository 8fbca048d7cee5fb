package io.ctrlplane.agent.router;

import io.ctrlplane.provider.TrafficSample;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The reverse proxy of one instance on this host. Requests go where the {@link RouteTable} says. A
 * refused connection is retried on another replica (nothing was sent); a bodiless GET or HEAD that
 * fails before any response is retried too, since repeating it is harmless. Replicas that leave the
 * table are "retired" until their in-flight requests end, which is what a drain waits for.
 */
final class Router {
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade");
  private static final int MAX_ATTEMPTS = 3;
  private static final long ORIGIN_IDLE_TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final HttpClient client;
  final String instanceId;
  final int port;
  private HttpServer server;
  private RouteTable table = RouteTable.EMPTY;
  private final Map<String, Endpoint> known = new HashMap<>();
  private final List<Endpoint> retired = new ArrayList<>();
  private Map<String, long[]> counts = new HashMap<>();
  private final Map<String, ReleaseTotals> totals = new HashMap<>();
  private Map<String, Integer> versions = Map.of();

  Router(Vertx vertx, HttpClient client, String instanceId, int port) {
    this.vertx = vertx;
    this.client = client;
    this.instanceId = instanceId;
    this.port = port;
  }

  Future<Void> listen(String host) {
    return vertx
        .createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
        .requestHandler(this::handle)
        .listen()
        .onSuccess(s -> server = s)
        .mapEmpty();
  }

  boolean listening() {
    return server != null;
  }

  /** New routes; replicas that left keep their in-flight count until it drops to zero. */
  void update(Map<String, Integer> weights, List<Endpoint> wanted, Map<String, Integer> versions) {
    this.versions = Map.copyOf(versions);
    update(weights, wanted);
  }

  void update(Map<String, Integer> weights, List<Endpoint> wanted) {
    retired.removeIf(e -> e.inFlight <= 0);
    Map<String, Endpoint> next = new HashMap<>();
    List<Endpoint> endpoints = new ArrayList<>();
    for (Endpoint w : wanted) {
      Endpoint e = known.get(w.replicaId);
      if (e == null || !e.sameAddress(w.host, w.port) || !e.releaseId.equals(w.releaseId)) {
        e = w;
      }
      next.put(e.replicaId, e);
      endpoints.add(e);
    }
    known.values().stream()
        .filter(e -> next.get(e.replicaId) != e && e.inFlight > 0)
        .forEach(retired::add);
    known.clear();
    known.putAll(next);
    table = new RouteTable(weights, endpoints);
  }

  /**
   * Completes once no request is in flight to a replica that left the routes, or after {@code
   * maxMs}.
   */
  Future<Void> drained(long maxMs) {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + maxMs;
    checkDrained(done, deadline);
    return done.future();
  }

  private void checkDrained(Promise<Void> done, long deadline) {
    retired.removeIf(e -> e.inFlight <= 0);
    if (retired.isEmpty() || System.currentTimeMillis() >= deadline) {
      done.complete();
    } else {
      vertx.setTimer(5, id -> checkDrained(done, deadline));
    }
  }

  /**
   * Requests, errors and latency buckets per release since the last call: {@code [requests, errors,
   * bucket 0, bucket 1, ...]}.
   */
  Map<String, long[]> takeCounts() {
    Map<String, long[]> taken = counts;
    counts = new HashMap<>();
    return taken;
  }

  Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest req) {
    boolean bodiless =
        !req.headers().contains(HttpHeaders.CONTENT_LENGTH)
                && !req.headers().contains(HttpHeaders.TRANSFER_ENCODING)
            || "0".equals(req.getHeader(HttpHeaders.CONTENT_LENGTH));
    if (!bodiless) {
      req.pause();
    }
    forward(req, bodiless, new HashSet<>());
  }

  private void forward(HttpServerRequest req, boolean bodiless, Set<Endpoint> tried) {
    Endpoint e = table.pick(tried, System.currentTimeMillis());
    if (e == null) {
      fail(req, 503, tried.isEmpty() ? "no ready replica" : "no replica answered");
      return;
    }
    tried.add(e);
    e.inFlight++;
    long startedNs = System.nanoTime();
    RequestOptions options =
        new RequestOptions()
            .setMethod(req.method())
            .setHost(e.host)
            .setPort(e.port)
            .setURI(req.uri())
            .setHeaders(requestHeaders(req))
            .setIdleTimeout(ORIGIN_IDLE_TIMEOUT_MS);
    client
        .request(options)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                // not connected: nothing reached the replica, so any request may go elsewhere
                e.inFlight--;
                e.markDown(System.currentTimeMillis());
                retryOrFail(req, bodiless, tried, 502);
                return;
              }
              HttpClientRequest out = ar.result();
              Future<HttpClientResponse> sent = bodiless ? out.send() : out.send(req);
              sent.onComplete(
                  res -> {
                    if (res.failed()) {
                      e.inFlight--;
                      count(e, true, startedNs);
                      if (bodiless && idempotent(req.method())) {
                        retryOrFail(req, true, tried, 502);
                      } else {
                        fail(req, 502, "the replica closed the connection");
                      }
                      return;
                    }
                    respond(req, res.result(), e, startedNs);
                  });
            });
  }

  private void retryOrFail(
      HttpServerRequest req, boolean bodiless, Set<Endpoint> tried, int status) {
    if (tried.size() < MAX_ATTEMPTS) {
      forward(req, bodiless, tried);
    } else {
      fail(req, status, "no replica answered");
    }
  }

  private void respond(HttpServerRequest req, HttpClientResponse in, Endpoint e, long startedNs) {
    HttpServerResponse out = req.response();
    if (out.closed()) {
      // the client left while the replica was answering
      e.inFlight--;
      in.request().reset();
      return;
    }
    out.setStatusCode(in.statusCode()).setStatusMessage(in.statusMessage());
    in.headers()
        .forEach(
            (name, value) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                out.headers().add(name, value);
              }
            });
    out.putHeader("x-ctrlplane-replica", e.replicaId);
    boolean noBody =
        req.method() == HttpMethod.HEAD || in.statusCode() == 204 || in.statusCode() == 304;
    if (!noBody && !in.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      out.setChunked(true);
    }
    in.pipeTo(out)
        .onComplete(
            ar -> {
              e.inFlight--;
              count(e, ar.failed() || in.statusCode() >= 500, startedNs);
            });
  }

  private void fail(HttpServerRequest req, int status, String why) {
    if (!req.response().ended() && !req.response().headWritten()) {
      req.resume();
      req.response()
          .setStatusCode(status)
          .putHeader("content-type", "text/plain")
          .end(why + " for instance " + instanceId + "\n");
    } else {
      req.connection().close();
    }
  }

  private void count(Endpoint e, boolean error, long startedNs) {
    double ms = (System.nanoTime() - startedNs) / 1e6;
    int bucket = TrafficSample.bucket(ms);
    long[] c =
        counts.computeIfAbsent(e.releaseId, k -> new long[2 + TrafficSample.BUCKETS_MS.length + 1]);
    c[0]++;
    c[2 + bucket]++;
    if (error) {
      c[1]++;
    }
    totals.computeIfAbsent(e.releaseId, k -> new ReleaseTotals()).add(error, bucket, ms);
  }

  /** Everything counted since the router started, per release, with the release's version. */
  Map<String, ReleaseTotals> totals() {
    return totals;
  }

  Integer version(String releaseId) {
    return versions.get(releaseId);
  }

  private static boolean idempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS;
  }

  private static MultiMap requestHeaders(HttpServerRequest req) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    req.headers()
        .forEach(
            (name, value) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                headers.add(name, value);
              }
            });
    String client = req.remoteAddress() == null ? null : req.remoteAddress().host();
    if (client != null) {
      String prior = req.getHeader("x-forwarded-for");
      headers.set("x-forwarded-for", prior == null ? client : prior + ", " + client);
    }
    return headers;
  }
}
