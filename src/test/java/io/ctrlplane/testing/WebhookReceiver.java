package io.ctrlplane.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A local HTTP receiver for webhook tests. Each path answers by a script: the n-th request to it
 * (1, 2, ...) gets the status the script returns, or no answer at all when it returns null (a hung
 * receiver). Every request is recorded with its headers and raw body.
 */
public final class WebhookReceiver implements AutoCloseable {
  /** One request as received. */
  public record Request(String path, MultiMap headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Checks the signature the way a receiver would: HMAC-SHA256 of the raw body, constant-time
     * compare.
     */
    public boolean signedWith(String secret) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        String got = headers.get("Ctrlplane-Signature");
        return got != null
            && MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII),
                got.getBytes(StandardCharsets.US_ASCII));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, IntFunction<Integer>> scripts = new ConcurrentHashMap<>();
  private final Map<String, Integer> counts = new ConcurrentHashMap<>();

  private WebhookReceiver(HttpServer server) {
    this.server = server;
  }

  public static WebhookReceiver start(Vertx vertx) {
    WebhookReceiver[] self = new WebhookReceiver[1];
    HttpServer server = vertx.createHttpServer().requestHandler(req -> self[0].handle(req));
    self[0] = new WebhookReceiver(server);
    Await.result(server.listen(0, "127.0.0.1"));
    return self[0];
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  /** The n-th request to {@code path} gets {@code script.apply(n)}; null means never answer. */
  public void script(String path, IntFunction<Integer> script) {
    scripts.put(path, script);
  }

  public List<Request> requests(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void handle(HttpServerRequest req) {
    req.body()
        .onSuccess(
            body -> {
              Request r =
                  new Request(
                      req.path(),
                      MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
                      body.getBytes());
              requests.add(r);
              int n = counts.merge(req.path(), 1, Integer::sum);
              Integer status = scripts.getOrDefault(req.path(), i -> 200).apply(n);
              if (status != null) {
                req.response().setStatusCode(status).end();
              }
            });
  }

  @Override
  public void close() {
    Await.result(server.close());
  }
}
