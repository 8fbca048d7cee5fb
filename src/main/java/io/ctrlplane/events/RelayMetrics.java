package io.ctrlplane.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

/**
 * Relay counters on /metrics: events published, and batches that failed (broker down or slow). A
 * failure count that grows while published stays flat is the signal that events are piling up.
 */
final class RelayMetrics {
  private final Counter published;
  private final Counter failedBatches;

  RelayMetrics() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    published =
        registry == null
            ? null
            : Counter.builder("ctrlplane.relay.events.published")
                .description("Outbox events the relay published to Kafka")
                .register(registry);
    failedBatches =
        registry == null
            ? null
            : Counter.builder("ctrlplane.relay.batch.failures")
                .description(
                    "Relay batches that Kafka did not fully acknowledge (their rows are retried)")
                .register(registry);
  }

  void published(int n) {
    if (published != null && n > 0) {
      published.increment(n);
    }
  }

  void failedBatch() {
    if (failedBatches != null) {
      failedBatches.increment();
    }
  }
}
