package io.ctrlplane.provider;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Times every provider action the runner takes (run, stop, traffic, status, traffic sample) by
 * provider and action, and counts the changes refused for a stale lease epoch. A wrapper, so no
 * provider has to remember to measure itself.
 */
final class MeteredProvider implements Provider {
  private final String name;
  private final Provider delegate;

  MeteredProvider(String name, Provider delegate) {
    this.name = name;
    this.delegate = delegate;
  }

  private static MeterRegistry registry() {
    MeterRegistry r = BackendRegistries.getDefaultNow();
    return r == null ? Metrics.globalRegistry : r;
  }

  private <T> Future<T> timed(String action, Supplier<Future<T>> call) {
    long start = System.nanoTime();
    Future<T> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.andThen(
        ar -> {
          String outcome =
              ar.succeeded()
                  ? "ok"
                  : ar.cause() instanceof StaleEpochException ? "fenced" : "error";
          MeterRegistry r = registry();
          Timer.builder("ctrlplane.provider.action.duration")
              .description("Provider actions the runner took, by provider, action and outcome")
              .tags("provider", name, "action", action, "outcome", outcome)
              .serviceLevelObjectives(
                  Duration.ofMillis(5),
                  Duration.ofMillis(25),
                  Duration.ofMillis(100),
                  Duration.ofMillis(250),
                  Duration.ofSeconds(1),
                  Duration.ofSeconds(5))
              .register(r)
              .record(Duration.ofNanos(System.nanoTime() - start));
          if ("fenced".equals(outcome)) {
            Counter.builder("ctrlplane.fenced.refusals")
                .description("Writes refused because the writer's lease epoch was stale")
                .tag("source", "provider")
                .register(r)
                .increment();
          }
        });
  }

  @Override
  public Future<Void> runReplicas(Fence fence, ReleaseRef release, int count) {
    return timed("run_replicas", () -> delegate.runReplicas(fence, release, count));
  }

  @Override
  public Future<PhaseResult> runReleasePhase(
      Fence fence, ReleaseRef release, java.util.List<String> argv, int timeoutSeconds) {
    return timed(
        "run_release_phase", () -> delegate.runReleasePhase(fence, release, argv, timeoutSeconds));
  }

  @Override
  public boolean opensSecrets() {
    return delegate.opensSecrets();
  }

  @Override
  public Future<Void> stopReplicas(Fence fence, String releaseId, int keep, int delaySeconds) {
    return timed(
        "stop_replicas", () -> delegate.stopReplicas(fence, releaseId, keep, delaySeconds));
  }

  @Override
  public Future<Void> renewReplicas(Fence fence, ReleaseRef release, int count) {
    return timed("renew_replicas", () -> delegate.renewReplicas(fence, release, count));
  }

  @Override
  public Future<Void> retireReplicas(Fence fence, String releaseId, int keep) {
    return timed("retire_replicas", () -> delegate.retireReplicas(fence, releaseId, keep));
  }

  @Override
  public Future<Void> setTraffic(Fence fence, Map<String, Integer> weights) {
    return timed("set_traffic", () -> delegate.setTraffic(fence, weights));
  }

  @Override
  public Future<FleetStatus> status(String instanceId) {
    return timed("status", () -> delegate.status(instanceId));
  }

  @Override
  public Future<TrafficSample> traffic(String instanceId, String releaseId, int windowSeconds) {
    return timed("traffic", () -> delegate.traffic(instanceId, releaseId, windowSeconds));
  }

  @Override
  public Future<Double> errorRate(String instanceId, String releaseId, int windowSeconds) {
    return delegate.errorRate(instanceId, releaseId, windowSeconds);
  }

  @Override
  public Future<JsonObject> timeline(String instanceId, int limit, String cursor) {
    return delegate.timeline(instanceId, limit, cursor);
  }
}
