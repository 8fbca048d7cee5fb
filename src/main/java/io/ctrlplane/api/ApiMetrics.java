package io.ctrlplane.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.Locale;

/**
 * API counters on /metrics: refused unauthenticated requests by reason ({@code
 * ctrlplane_auth_refusals_total{reason}}), those of them not written to the audit log ({@code
 * ctrlplane_auth_refusals_unaudited_total}), and requests refused by a rate limit ({@code
 * ctrlplane_rate_limited_total{limit}}). Counting is cheap where an audit row each is not.
 */
final class ApiMetrics {
  private ApiMetrics() {}

  static void authRefused(String reason) {
    count(
        "ctrlplane.auth.refusals",
        "Requests refused for a missing, malformed, unknown or revoked API key",
        "reason",
        reason.toLowerCase(Locale.ROOT));
  }

  static void unaudited() {
    count(
        "ctrlplane.auth.refusals.unaudited",
        "Refused unauthenticated requests beyond the audit sample (counted, not recorded)",
        null,
        null);
  }

  static void rateLimited(String limit) {
    count(
        "ctrlplane.rate.limited",
        "Requests refused with 429 by the per-key or per-address rate limit",
        "limit",
        limit);
  }

  private static void count(String name, String description, String tag, String value) {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) {
      return;
    }
    Counter.Builder b = Counter.builder(name).description(description);
    if (tag != null) {
      b.tag(tag, value);
    }
    b.register(registry).increment();
  }
}
