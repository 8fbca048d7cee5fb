package io.ctrlplane.strategy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an analysis measures and how it judges: one or more metrics, each measured {@code count}
 * times, {@code interval_seconds} apart, each measurement over the interval just ended. {@code
 * minRequests} is the sample size below which a router measurement proves nothing (inconclusive).
 * The shorthand {@code {"max_error_rate", "window_seconds"}} is one error-rate metric measured
 * once; {@link #shorthand} keeps its normalized form and its messages as they were.
 */
public record AnalysisSpec(int minRequests, List<MetricSpec> metrics, boolean shorthand) {
  public AnalysisSpec {
    metrics = List.copyOf(metrics);
  }

  /** The shorthand: fail above {@code maxErrorRate} over one window of {@code windowSeconds}. */
  public static AnalysisSpec errorRate(double maxErrorRate, int windowSeconds) {
    return new AnalysisSpec(
        1,
        List.of(
            new MetricSpec(
                "error_rate",
                MetricSpec.BUILTIN,
                new Condition(Condition.Measure.ERROR_RATE, Condition.Bound.MAX, maxErrorRate),
                windowSeconds,
                1,
                0,
                0,
                Map.of())),
        true);
  }

  /**
   * The spec a bake runs: each metric measured every interval for {@code seconds} (at least once),
   * without baseline comparisons (the old release serves nothing while the new one bakes).
   */
  public AnalysisSpec forBake(int seconds) {
    List<MetricSpec> bake =
        metrics.stream()
            .filter(m -> !m.condition().baseline())
            .map(
                m -> {
                  int count = Math.max(1, seconds / m.intervalSeconds());
                  return new MetricSpec(
                      "bake:" + m.name(),
                      m.provider(),
                      m.condition(),
                      m.intervalSeconds(),
                      count,
                      Math.min(m.failureLimit(), count - 1),
                      Math.min(m.inconclusiveLimit(), count - 1),
                      m.source());
                })
            .toList();
    return new AnalysisSpec(minRequests, bake, false);
  }

  /** The most measurements a background analysis takes of one metric: it ends with the rollout. */
  public static final int BACKGROUND_COUNT = 1_000_000;

  /**
   * The spec a background analysis runs: each metric measured every interval until the rollout ends
   * ({@code count} no longer bounds it), its limits counted over the whole rollout.
   */
  public AnalysisSpec forBackground() {
    List<MetricSpec> background =
        metrics.stream()
            .map(
                m ->
                    new MetricSpec(
                        "background:" + m.name(),
                        m.provider(),
                        m.condition(),
                        m.intervalSeconds(),
                        BACKGROUND_COUNT,
                        m.failureLimit(),
                        m.inconclusiveLimit(),
                        m.source()))
            .toList();
    return new AnalysisSpec(minRequests, background, false);
  }

  /** How long the analysis runs when every measurement is taken on time. */
  public int seconds() {
    return metrics.stream().mapToInt(m -> m.intervalSeconds() * m.count()).max().orElse(0);
  }

  public String describe() {
    if (shorthand) {
      MetricSpec m = metrics.get(0);
      return "analyse new for "
          + m.intervalSeconds()
          + " s (error rate at most "
          + m.condition().limit()
          + ")";
    }
    return "analyse new: "
        + String.join(", ", metrics.stream().map(MetricSpec::describe).toList())
        + " (at least "
        + minRequests
        + " requests per measurement)";
  }

  /** The normalized form, as a canary step's body. */
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    if (shorthand) {
      MetricSpec m = metrics.get(0);
      out.put("max_error_rate", m.condition().limit());
      out.put("window_seconds", m.intervalSeconds());
      return out;
    }
    out.put("min_requests", minRequests);
    out.put("metrics", metrics.stream().map(MetricSpec::toMap).toList());
    return out;
  }
}
