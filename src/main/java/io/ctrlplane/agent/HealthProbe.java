package io.ctrlplane.agent;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Readiness of a replica: its health path answering 2xx. Probed every 100 ms until it first answers
 * (readiness is what a rollout waits for), every second after; three failures in a row make it
 * unready until it answers again, so one slow answer does not take it out of the routers.
 */
final class HealthProbe {
  private static final long STARTING_MS = 100;
  private static final long READY_MS = 1_000;
  private static final int UNREADY_AFTER_FAILURES = 3;

  private final Vertx vertx;
  private final HttpClient client;
  private final Consumer<LocalReplica> ready;
  private final Consumer<LocalReplica> unready;
  private final Function<LocalReplica, Future<Boolean>> engineHealth;

  HealthProbe(
      Vertx vertx,
      Consumer<LocalReplica> ready,
      Consumer<LocalReplica> unready,
      Function<LocalReplica, Future<Boolean>> engineHealth) {
    this.engineHealth = engineHealth;
    this.vertx = vertx;
    this.client =
        vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(500).setKeepAlive(false));
    this.ready = ready;
    this.unready = unready;
  }

  /** Probes until the replica exits or starts stopping. */
  void watch(LocalReplica r) {
    if (r.stopping != null || r.exited()) {
      return;
    }
    probe(r)
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result()) {
                passed(r);
              } else {
                failed(r);
              }
              if (r.stopping == null && !r.exited()) {
                r.probeTimer = vertx.setTimer(r.ready ? READY_MS : STARTING_MS, id -> watch(r));
              }
            });
  }

  /** The health path answering 2xx, or, without one, the engine calling the container healthy. */
  private Future<Boolean> probe(LocalReplica r) {
    String path = r.spec.healthPath();
    if (path == null) {
      return engineHealth.apply(r);
    }
    RequestOptions get =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(r.port)
            .setURI(path)
            .setTimeout(1_000);
    return client
        .request(get)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> resp.statusCode() / 100 == 2));
  }

  private void passed(LocalReplica r) {
    r.healthFailures = 0;
    if (!r.ready) {
      r.ready = true;
      r.everReady = true;
      ready.accept(r);
    }
  }

  private void failed(LocalReplica r) {
    if (r.ready && ++r.healthFailures >= UNREADY_AFTER_FAILURES) {
      r.ready = false;
      unready.accept(r);
    }
  }

  Future<Void> close() {
    return client.close();
  }
}
