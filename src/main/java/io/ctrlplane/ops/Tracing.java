package io.ctrlplane.ops;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * OpenTelemetry for the whole process, off unless {@code CTRLPLANE_OTEL_EXPORTER_OTLP_ENDPOINT} (or
 * the system property {@code ctrlplane.otel.exporter.otlp.endpoint}) names an OTLP/HTTP collector,
 * e.g. {@code http://collector:4318}. Vert.x then traces HTTP requests, event-bus messages and SQL
 * statements itself (vertx-opentelemetry); this class adds the spans it cannot know: a command's
 * transaction, the runner's steps and the relay's publishes, all joined to the deploy request's
 * trace through the W3C {@code traceparent} stored with the deployment and carried by its events.
 */
public final class Tracing {
  public static final String ENDPOINT_ENV = "CTRLPLANE_OTEL_EXPORTER_OTLP_ENDPOINT";
  public static final String ENDPOINT_PROPERTY = "ctrlplane.otel.exporter.otlp.endpoint";
  private static final TextMapGetter<Map<String, String>> MAP =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private static volatile OpenTelemetry otel = OpenTelemetry.noop();
  private static volatile boolean enabled;

  private Tracing() {}

  /** The configured endpoint, or null when tracing is off. */
  public static String endpoint() {
    String v = System.getProperty(ENDPOINT_PROPERTY, System.getenv(ENDPOINT_ENV));
    return v == null || v.isBlank() ? null : v.trim();
  }

  /**
   * Builds the SDK once per process when an endpoint is configured; the same instance afterwards.
   * Null when tracing is off.
   */
  public static synchronized OpenTelemetry init() {
    String endpoint = endpoint();
    if (endpoint == null) {
      return null;
    }
    if (enabled) {
      return otel;
    }
    String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(base + "/v1/traces")
            .setTimeout(Duration.ofSeconds(5))
            .build();
    Resource resource =
        Resource.getDefault()
            .merge(Resource.create(Attributes.builder().put("service.name", "ctrlplane").build()));
    SdkTracerProvider tracers =
        SdkTracerProvider.builder()
            .setResource(resource)
            .addSpanProcessor(
                BatchSpanProcessor.builder(exporter)
                    .setScheduleDelay(Duration.ofMillis(500))
                    .build())
            .build();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(tracers)
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> tracers.shutdown().join(5, TimeUnit.SECONDS), "otel-shutdown"));
    otel = sdk;
    enabled = true;
    return sdk;
  }

  public static boolean enabled() {
    return enabled;
  }

  private static Tracer tracer() {
    return otel.getTracer("io.ctrlplane");
  }

  /** The W3C traceparent of the current span (Vert.x keeps it per request); null when none. */
  public static String traceparent() {
    return enabled ? traceparent(Span.current().getSpanContext()) : null;
  }

  private static String traceparent(SpanContext c) {
    return c.isValid()
        ? "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex()
        : null;
  }

  /** The context a stored traceparent names (the root context when null or malformed). */
  public static Context parent(String traceparent) {
    if (traceparent == null) {
      return Context.root();
    }
    return W3CTraceContextPropagator.getInstance()
        .extract(Context.root(), Map.of("traceparent", traceparent), MAP);
  }

  /**
   * Runs {@code work} in a span that is a child of the current one; the span ends when the future
   * does.
   */
  public static <T> Future<T> inSpan(String name, Supplier<Future<T>> work) {
    if (!enabled) {
      return work.get();
    }
    Span span = tracer().spanBuilder(name).setParent(Context.current()).startSpan();
    Future<T> f;
    try (var scope = span.makeCurrent()) {
      f = work.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.andThen(
        ar -> {
          if (ar.failed()) {
            span.setStatus(StatusCode.ERROR, String.valueOf(ar.cause().getMessage()));
          }
          span.end();
        });
  }

  /**
   * Records a finished span under the trace a stored traceparent names (a runner's step, a relay's
   * publish), from {@code startNanos} (epoch nanoseconds) to now.
   */
  public static void record(
      String name,
      SpanKind kind,
      String traceparent,
      long startEpochNanos,
      Map<String, String> attributes,
      boolean ok) {
    if (!enabled || traceparent == null) {
      return;
    }
    var builder =
        tracer()
            .spanBuilder(name)
            .setSpanKind(kind)
            .setParent(parent(traceparent))
            .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS);
    attributes.forEach(builder::setAttribute);
    Span span = builder.startSpan();
    if (!ok) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /** Now, in epoch nanoseconds (the clock spans are stamped with). */
  public static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
