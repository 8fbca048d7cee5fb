package io.ctrlplane.app;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.strategy.Strategies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running Ctrl Plane: a Vert.x instance with Prometheus metrics and the deployed roles. */
public final class Server {
  private static final Logger log = LoggerFactory.getLogger(Server.class);
  private final Vertx vertx;

  private Server(Vertx vertx) {
    this.vertx = vertx;
  }

  public static Vertx newVertx() {
    MicrometerMetricsOptions metrics =
        new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    return Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory())
        .build();
  }

  /** Starts every role of {@code config}; on failure closes what it started. */
  public static Future<Server> start(AppConfig config) {
    try {
      // discovered from the classpath: two strategies of one name must stop the start, in one line
      log.info("strategies: {}", String.join(", ", Strategies.names()));
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    Vertx vertx = newVertx();
    return vertx
        .deployVerticle(new MainVerticle(config))
        .map(id -> new Server(vertx))
        .recover(
            e -> {
              // fire and forget: a callback on close() would be scheduled on an event loop that is
              // gone
              vertx.close();
              return Future.failedFuture(e);
            });
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Graceful stop: the HTTP servers stop accepting, runners hand back leases, the relay flushes.
   */
  public void stopBlocking() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("shutdown did not complete cleanly: {}", e.toString());
    }
  }
}
