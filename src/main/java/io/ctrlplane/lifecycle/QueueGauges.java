package io.ctrlplane.lifecycle;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Cluster-wide deployment queue gauges, sampled by one cheap statement over the runnable partial
 * index (pending and running rows only): how many wait, how many run, how long the oldest waited,
 * and the longest a running, unpaused deployment has been on its current step (the runner fails a
 * step after progress_deadline_seconds, so a value far beyond it means nobody drives the step).
 * Each sampling process exports the same numbers: dashboards and alerts take {@code max} across
 * them.
 */
public final class QueueGauges {
  private static final String SAMPLE =
      """
      SELECT count(*) FILTER (WHERE state = 'pending') AS pending,
        count(*) FILTER (WHERE state = 'running') AS running,
        coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE state = 'pending')), 0)::float8
          AS oldest_pending,
        coalesce(extract(epoch FROM now() - min(coalesce(step_started_at, started_at))
          FILTER (WHERE state = 'running' AND NOT paused)), 0)::float8 AS stalled
      FROM deployments WHERE state IN ('pending', 'running')
      """;

  private record Sample(long pending, long running, double oldestPending, double stalled) {}

  private static final AtomicReference<Sample> LAST = new AtomicReference<>(new Sample(0, 0, 0, 0));

  private QueueGauges() {}

  /** Registers the gauges (idempotent); they read the last sample. */
  public static void register() {
    MeterRegistry r = LifecycleMetrics.registry();
    Gauge.builder("ctrlplane.deployments.pending", LAST, s -> s.get().pending())
        .description("Deployments waiting for a runner (cluster-wide)")
        .register(r);
    Gauge.builder("ctrlplane.deployments.running", LAST, s -> s.get().running())
        .description("Deployments running (cluster-wide)")
        .register(r);
    Gauge.builder("ctrlplane.deployments.oldest.pending.age", LAST, s -> s.get().oldestPending())
        .description("How long the oldest pending deployment has waited")
        .baseUnit("seconds")
        .register(r);
    Gauge.builder("ctrlplane.deployments.longest.step", LAST, s -> s.get().stalled())
        .description("Longest time a running, unpaused deployment has been on its current step")
        .baseUnit("seconds")
        .register(r);
  }

  /** One sampling statement; the gauges keep their last value when it fails. */
  public static Future<Void> sample(Pool pool) {
    return pool.query(SAMPLE)
        .execute()
        .map(
            rs -> {
              var row = rs.iterator().next();
              LAST.set(
                  new Sample(
                      row.getLong("pending"),
                      row.getLong("running"),
                      row.getDouble("oldest_pending"),
                      row.getDouble("stalled")));
              return null;
            });
  }
}
