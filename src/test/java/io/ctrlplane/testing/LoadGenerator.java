package io.ctrlplane.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client hammering a router with {@code concurrency} request loops on keep-alive connections,
 * recording every answer: which version served it, or why it failed (a status other than 200, a
 * timeout, a reset). Thread-safe reads, so a test can look while it runs.
 */
public final class LoadGenerator implements AutoCloseable {
  private static final Pattern VERSION = Pattern.compile("version=(\\S+)");

  /**
   * One answer: when its request was sent, when the answer completed, which version (null on
   * failure), and what went wrong.
   */
  public record Sample(long sentMs, long atMs, String version, String failure) {}

  private final HttpClient client;
  private final int port;
  private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean running = true;
  private int loops;

  public LoadGenerator(Vertx vertx, String host, int port, int concurrency) {
    this.port = port;
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setDefaultHost(host)
                .setDefaultPort(port)
                .setKeepAlive(true)
                .setConnectTimeout(2_000),
            new PoolOptions().setHttp1MaxSize(concurrency));
    this.loops = concurrency;
    for (int i = 0; i < concurrency; i++) {
      vertx.runOnContext(v -> next());
    }
  }

  private void next() {
    if (!running) {
      synchronized (this) {
        loops--;
        notifyAll();
      }
      return;
    }
    long sent = System.currentTimeMillis();
    client
        .request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/").setTimeout(5_000))
        .compose(req -> req.send())
        .compose(
            resp ->
                resp.body()
                    .map(
                        body -> {
                          if (resp.statusCode() != 200) {
                            return new Sample(
                                sent,
                                System.currentTimeMillis(),
                                null,
                                resp.statusCode() + " " + body.toString().trim());
                          }
                          Matcher m = VERSION.matcher(body.toString());
                          return new Sample(
                              sent, System.currentTimeMillis(), m.find() ? m.group(1) : "?", null);
                        }))
        .otherwise(e -> new Sample(sent, System.currentTimeMillis(), null, e.toString()))
        .onSuccess(samples::add)
        .onComplete(ar -> next());
  }

  /** Stops sending and waits for the loops to finish their last request. */
  public void stop() throws InterruptedException {
    running = false;
    synchronized (this) {
      long deadline = System.currentTimeMillis() + 10_000;
      while (loops > 0 && System.currentTimeMillis() < deadline) {
        wait(100);
      }
    }
  }

  public List<Sample> samples() {
    synchronized (samples) {
      return new ArrayList<>(samples);
    }
  }

  public int size() {
    return samples.size();
  }

  /** Waits until at least {@code n} more answers arrived than now. */
  public void awaitMore(int n) {
    int target = size() + n;
    Await.until(
        java.time.Duration.ofSeconds(60),
        n + " more answers from the router on port " + port,
        () -> size() >= target ? true : null);
  }

  public List<Sample> failures() {
    return samples().stream().filter(s -> s.failure() != null).toList();
  }

  /** Answers per version, in the order versions first appeared. */
  public Map<String, Integer> byVersion() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    samples().stream()
        .filter(s -> s.version() != null)
        .forEach(s -> counts.merge(s.version(), 1, Integer::sum));
    return counts;
  }

  public String summary() {
    List<Sample> failed = failures();
    return size()
        + " requests, "
        + failed.size()
        + " failed, by version "
        + byVersion()
        + (failed.isEmpty()
            ? ""
            : ", first failures " + failed.subList(0, Math.min(3, failed.size())));
  }

  @Override
  public void close() throws InterruptedException {
    stop();
    client.close();
  }
}
