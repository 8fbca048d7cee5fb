package io.ctrlplane.analysis;

import io.ctrlplane.strategy.MetricSpec;
import java.util.List;

/**
 * The verdicts of one metric so far, and where they leave it. More failures than {@code
 * failure_limit} fail it; more inconclusive measurements than {@code inconclusive_limit} make it
 * inconclusive; after {@code count} measurements it succeeded only if at least one measurement did
 * (so a metric that never measured anything cannot pass).
 */
public record Tally(int successful, int failed, int inconclusive) {

  /** Where an analysis (or one metric of it) stands. */
  public enum Phase {
    RUNNING,
    SUCCESSFUL,
    FAILED,
    INCONCLUSIVE
  }

  public static Tally of(List<Verdict> verdicts) {
    int s = 0;
    int f = 0;
    int i = 0;
    for (Verdict v : verdicts) {
      switch (v) {
        case SUCCESSFUL -> s++;
        case FAILED -> f++;
        case INCONCLUSIVE -> i++;
      }
    }
    return new Tally(s, f, i);
  }

  public int taken() {
    return successful + failed + inconclusive;
  }

  public Phase phase(MetricSpec m) {
    if (failed > m.failureLimit()) {
      return Phase.FAILED;
    }
    if (inconclusive > m.inconclusiveLimit()) {
      return Phase.INCONCLUSIVE;
    }
    if (taken() >= m.count()) {
      return successful > 0 ? Phase.SUCCESSFUL : Phase.INCONCLUSIVE;
    }
    return Phase.RUNNING;
  }

  /** The analysis as a whole: a failure anywhere fails it, then inconclusive, then running. */
  public static Phase overall(List<Phase> metrics) {
    if (metrics.contains(Phase.FAILED)) {
      return Phase.FAILED;
    }
    if (metrics.contains(Phase.INCONCLUSIVE)) {
      return Phase.INCONCLUSIVE;
    }
    return metrics.stream().allMatch(p -> p == Phase.SUCCESSFUL) ? Phase.SUCCESSFUL : Phase.RUNNING;
  }

  /** Slack for ticks that come a little early: a measurement this close to due is taken. */
  static final long EARLY_MS = 50;

  /**
   * Whether a background measurement of {@code m} is due: an interval after the last one taken at
   * {@code last}, or, before the first, an interval after the analysis started {@code sinceMs} ago.
   */
  public static boolean dueAgain(
      MetricSpec m, java.time.Instant last, long sinceMs, java.time.Instant now) {
    long interval = m.intervalSeconds() * 1000L - EARLY_MS;
    if (last == null) {
      return sinceMs >= interval;
    }
    return java.time.Duration.between(last, now).toMillis() >= interval;
  }

  /** How many measurements of {@code m} are due after {@code elapsedMs} in the step. */
  public static int due(MetricSpec m, long elapsedMs) {
    return (int) Math.min(m.count(), elapsedMs / (m.intervalSeconds() * 1000L));
  }
}
