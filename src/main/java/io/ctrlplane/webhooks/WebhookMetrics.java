package io.ctrlplane.webhooks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.vertx.micrometer.backends.BackendRegistries;

/**
 * Webhook delivery meters: every attempt by outcome (succeeded, retry, dead_lettered), dead
 * letters, and how many attempts a delivery took once it ended. No subscription id in a label: a
 * tenant's webhooks are its own business, and their number is unbounded.
 */
final class WebhookMetrics {
  private WebhookMetrics() {}

  private static MeterRegistry registry() {
    MeterRegistry r = BackendRegistries.getDefaultNow();
    return r == null ? Metrics.globalRegistry : r;
  }

  /** Registers the delivery counters at zero when the dispatcher starts (no delivery yet: 0). */
  static void register() {
    MeterRegistry r = registry();
    for (String outcome : new String[] {"succeeded", "retry", "dead_lettered"}) {
      deliveries(r, outcome);
    }
    deadLetters(r);
  }

  private static Counter deliveries(MeterRegistry r, String outcome) {
    return Counter.builder("ctrlplane.webhook.deliveries")
        .description("Webhook delivery attempts, by outcome (succeeded, retry, dead_lettered)")
        .tag("outcome", outcome)
        .register(r);
  }

  private static Counter deadLetters(MeterRegistry r) {
    return Counter.builder("ctrlplane.webhook.dead.letters")
        .description("Webhook deliveries given up after webhooks.max_attempts")
        .register(r);
  }

  /** One attempt ended: {@code outcome} is succeeded, retry or dead_lettered. */
  static void attempt(String outcome, int attempt) {
    MeterRegistry r = registry();
    deliveries(r, outcome).increment();
    if ("retry".equals(outcome)) {
      return;
    }
    if ("dead_lettered".equals(outcome)) {
      deadLetters(r).increment();
    }
    DistributionSummary.builder("ctrlplane.webhook.delivery.attempts")
        .description("Attempts a webhook delivery took, once it succeeded or was dead-lettered")
        .tag("outcome", outcome)
        .serviceLevelObjectives(1, 2, 3, 5, 8, 13)
        .register(r)
        .record(attempt);
  }
}
