package io.ctrlplane.app;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.config.ConfigException;
import io.ctrlplane.ops.Tracing;
import io.ctrlplane.strategy.Strategies;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running Ctrl Plane: a Vert.x instance with Prometheus metrics and the deployed roles. */
public final class Server {
  private static final Logger log = LoggerFactory.getLogger(Server.class);
  private static final Set<String> LOG_FORMATS = Set.of("text", "json");
  private final Vertx vertx;

  private Server(Vertx vertx) {
    this.vertx = vertx;
  }

  public static Vertx newVertx() {
    VertxPrometheusOptions prometheus = new VertxPrometheusOptions().setEnabled(true);
    int metricsPort = metricsPort();
    if (metricsPort > 0) {
      // a process without the api role (runner, relay, webhooks, agent) serves /metrics here
      prometheus
          .setStartEmbeddedServer(true)
          .setEmbeddedServerOptions(new HttpServerOptions().setPort(metricsPort))
          .setEmbeddedServerEndpoint("/metrics");
    }
    MicrometerMetricsOptions metrics =
        new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            // route templates (/v1/instances/:id), never raw paths: bounded label values
            .addLabels(Label.HTTP_ROUTE, Label.HTTP_CODE, Label.HTTP_METHOD)
            .setPrometheusOptions(prometheus);
    VertxOptions options = new VertxOptions().setMetricsOptions(metrics);
    VertxBuilder builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory());
    OpenTelemetry otel = Tracing.init();
    if (otel != null) {
      // HTTP server, event bus and SQL client spans, the context kept per request by Vert.x
      options.setTracingOptions(new OpenTelemetryOptions());
      builder.withTracer(new OpenTelemetryTracingFactory(otel));
    }
    Vertx vertx = builder.with(options).build();
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      registry.config().meterFilter(HTTP_LATENCY_BUCKETS);
    }
    return vertx;
  }

  /**
   * Histogram buckets for the HTTP server's response time, so dashboards can show percentiles per
   * route (Vert.x records a plain timer otherwise). Registered before the first request.
   */
  private static final MeterFilter HTTP_LATENCY_BUCKETS =
      new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(
            Meter.Id id, DistributionStatisticConfig config) {
          if (!id.getName().equals("vertx.http.server.response.time")) {
            return config;
          }
          return DistributionStatisticConfig.builder()
              .serviceLevelObjectives(
                  Duration.ofMillis(5).toNanos(),
                  Duration.ofMillis(25).toNanos(),
                  Duration.ofMillis(100).toNanos(),
                  Duration.ofMillis(250).toNanos(),
                  Duration.ofSeconds(1).toNanos(),
                  Duration.ofSeconds(5).toNanos())
              .build()
              .merge(config);
        }
      };

  /**
   * {@code CTRLPLANE_METRICS_PORT} (or the system property {@code ctrlplane.metrics.port}): a port
   * of its own for /metrics, for processes without the api role; 0 or unset: none.
   */
  static int metricsPort() {
    String v =
        System.getProperty("ctrlplane.metrics.port", System.getenv("CTRLPLANE_METRICS_PORT"));
    if (v == null || v.isBlank()) {
      return 0;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("CTRLPLANE_METRICS_PORT must be a port number, got " + v);
    }
  }

  /** Starts every role of {@code config}; on failure closes what it started. */
  public static Future<Server> start(AppConfig config) {
    String format = System.getenv("CTRLPLANE_LOG_FORMAT");
    if (format != null && !format.isBlank() && !LOG_FORMATS.contains(format)) {
      // logback.xml picks its appender by this name: any other value would silence every log
      return Future.failedFuture(
          new ConfigException("CTRLPLANE_LOG_FORMAT must be text or json, got '" + format + "'"));
    }
    try {
      metricsPort(); // checked here, where a bad value becomes a config error, not a crash
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new ConfigException(e.getMessage()));
    }
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
