package io.ctrlplane.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Relay meters on /metrics: events published, batches that failed (broker down or slow), how long
 * Kafka took to acknowledge a record, and the outbox backlog (unpublished rows and the age of the
 * oldest), sampled by one statement over the unpublished partial index. A backlog whose age grows
 * while published stays flat is the signal that events are piling up.
 */
final class RelayMetrics {
  private static final String BACKLOG =
      "SELECT count(*) AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age "
          + "FROM outbox WHERE published_at IS NULL";

  private record Backlog(long rows, double oldestSeconds) {}

  private static final AtomicReference<Backlog> BACKLOG_NOW =
      new AtomicReference<>(new Backlog(0, 0));

  private final MeterRegistry registry;
  private final Counter published;
  private final Counter failedBatches;

  RelayMetrics() {
    MeterRegistry r = BackendRegistries.getDefaultNow();
    registry = r == null ? Metrics.globalRegistry : r;
    published =
        Counter.builder("ctrlplane.relay.events.published")
            .description("Outbox events the relay published to Kafka")
            .register(registry);
    failedBatches =
        Counter.builder("ctrlplane.relay.batch.failures")
            .description(
                "Relay batches that Kafka did not fully acknowledge (their rows are retried)")
            .register(registry);
    Gauge.builder("ctrlplane.outbox.backlog.events", BACKLOG_NOW, b -> b.get().rows())
        .description("Outbox events not yet published to Kafka")
        .register(registry);
    Gauge.builder(
            "ctrlplane.outbox.oldest.unpublished.age", BACKLOG_NOW, b -> b.get().oldestSeconds())
        .description("Age of the oldest outbox event not yet published to Kafka")
        .baseUnit("seconds")
        .register(registry);
  }

  void published(int n) {
    if (n > 0) {
      published.increment(n);
    }
  }

  void failedBatch() {
    failedBatches.increment();
  }

  /** Kafka's acknowledgement time of one record (send to ack). */
  static void publishLatency(long nanos, boolean ok) {
    MeterRegistry r = BackendRegistries.getDefaultNow();
    Timer.builder("ctrlplane.relay.publish.duration")
        .description("Time from sending an event to Kafka to its acknowledgement")
        .tag("outcome", ok ? "ok" : "error")
        .serviceLevelObjectives(
            Duration.ofMillis(1),
            Duration.ofMillis(5),
            Duration.ofMillis(25),
            Duration.ofMillis(100),
            Duration.ofMillis(500),
            Duration.ofSeconds(2))
        .register(r == null ? Metrics.globalRegistry : r)
        .record(Duration.ofNanos(nanos));
  }

  /** Samples the backlog; the gauges keep their last value when the statement fails. */
  Future<Void> sampleBacklog(Pool pool) {
    return pool.query(BACKLOG)
        .execute()
        .map(
            rs -> {
              var row = rs.iterator().next();
              BACKLOG_NOW.set(new Backlog(row.getLong("n"), row.getDouble("age")));
              return null;
            });
  }
}
