package io.ctrlplane.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A small blocking facade over the API for setup work (not for measured load). */
final class Api implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final HttpClientAgent client;

  Api(String url) {
    URI base = URI.create(url);
    client = OpenLoop.client(vertx, base.getHost(), base.getPort(), 32);
  }

  Future<JsonObject> post(String path, JsonObject body) {
    return client
        .request(
            OpenLoop.authorized(
                new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setURI(path)
                    .putHeader("content-type", "application/json")
                    .setIdleTimeout(30_000)))
        .compose(req -> req.send(Buffer.buffer(body.encode())))
        .compose(
            resp ->
                resp.body()
                    .compose(
                        b ->
                            resp.statusCode() / 100 == 2
                                ? Future.succeededFuture(new JsonObject(b))
                                : Future.failedFuture(
                                    "POST " + path + " -> " + resp.statusCode() + " " + b)));
  }

  /**
   * Runs {@code calls} with at most {@code concurrency} in flight, in order of start; waits for
   * all.
   */
  <T> List<T> all(int n, int concurrency, Function<Integer, Future<T>> call) throws Exception {
    List<T> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      results.add(null);
    }
    Promise<Void> done = Promise.promise();
    int[] state = {0, 0}; // next index, finished count
    Throwable[] failure = {null};
    vertx.runOnContext(
        v -> {
          if (n == 0) {
            done.tryComplete();
            return;
          }
          Runnable[] startNext = new Runnable[1];
          startNext[0] =
              () -> {
                if (state[0] >= n || failure[0] != null) {
                  return;
                }
                int i = state[0]++;
                call.apply(i)
                    .onComplete(
                        ar -> {
                          if (ar.failed()) {
                            failure[0] = ar.cause();
                            done.tryFail(ar.cause());
                            return;
                          }
                          results.set(i, ar.result());
                          if (++state[1] == n) {
                            done.tryComplete();
                          } else {
                            startNext[0].run();
                          }
                        });
              };
          for (int k = 0; k < Math.min(concurrency, n); k++) {
            startNext[0].run();
          }
        });
    done.future().toCompletionStage().toCompletableFuture().get(600, TimeUnit.SECONDS);
    return results;
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }
}
