package io.ctrlplane.runner;

import io.ctrlplane.lifecycle.LifecycleMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * The runner's meters: deployments this process holds, moves queued behind its concurrency limit,
 * and step retries. One series per process (Prometheus' {@code instance} label tells runners
 * apart), summed over the runner verticles of the process, so no runner id ever becomes a label.
 */
final class RunnerMetrics {
  private static final Set<RunnerVerticle> RUNNERS = ConcurrentHashMap.newKeySet();

  private RunnerMetrics() {}

  private static MeterRegistry registry() {
    MeterRegistry r = BackendRegistries.getDefaultNow();
    return r == null ? Metrics.globalRegistry : r;
  }

  static void started(RunnerVerticle runner) {
    RUNNERS.add(runner);
    MeterRegistry r = registry();
    gauge(
        r,
        "ctrlplane.runner.active.deployments",
        "Deployments this runner process holds a lease on",
        RunnerVerticle::activeCount);
    gauge(
        r,
        "ctrlplane.runner.queued.moves",
        "Moves of this runner process due but waiting for a slot (runner.max_concurrent)",
        RunnerVerticle::queuedMoves);
    gauge(r, "ctrlplane.runner.verticles", "Runner verticles started in this process", v -> 1);
    LifecycleMetrics.registerRunnerCounters();
    for (String reason : new String[] {"error", "provider_error"}) {
      retries(r, reason);
    }
  }

  static void stopped(RunnerVerticle runner) {
    RUNNERS.remove(runner);
  }

  private static void gauge(
      MeterRegistry r, String name, String description, ToIntFunction<RunnerVerticle> f) {
    Gauge.builder(name, RUNNERS, set -> set.stream().mapToInt(f).sum())
        .description(description)
        .strongReference(true)
        .register(r);
  }

  /** A move failed and is tried again: {@code reason} is error or provider_error. */
  static void retried(String reason) {
    retries(registry(), reason).increment();
  }

  private static Counter retries(MeterRegistry r, String reason) {
    return Counter.builder("ctrlplane.step.retries")
        .description("Step moves retried after a database or provider error")
        .tag("reason", reason)
        .register(r);
  }
}
