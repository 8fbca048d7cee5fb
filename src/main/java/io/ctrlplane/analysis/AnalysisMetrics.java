package io.ctrlplane.analysis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.vertx.micrometer.backends.BackendRegistries;

/**
 * Analysis verdicts on /metrics, by verdict and by what was measured (a closed set such as
 * error_rate); the metric's user-given name stays out of the labels.
 */
final class AnalysisMetrics {
  private AnalysisMetrics() {}

  static void verdict(String verdict, String measure) {
    MeterRegistry r = BackendRegistries.getDefaultNow();
    Counter.builder("ctrlplane.analysis.verdicts")
        .description(
            "Analysis measurements recorded, by verdict (successful, failed, inconclusive)")
        .tags("verdict", verdict, "measure", measure)
        .register(r == null ? Metrics.globalRegistry : r)
        .increment();
  }
}
