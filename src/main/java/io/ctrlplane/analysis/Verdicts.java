package io.ctrlplane.analysis;

import io.ctrlplane.provider.TrafficSample;
import io.ctrlplane.strategy.Condition;
import java.util.Locale;

/**
 * The verdict of one measurement, on plain values. A value that rests on nothing (an error, an
 * empty result, NaN, fewer requests than {@code min_requests}) is inconclusive, never a pass: zero
 * traffic cannot look like zero errors. A baseline comparison needs both releases measured.
 */
public final class Verdicts {
  private Verdicts() {}

  /**
   * @param stable the stable release's reading over the same window; used by baseline comparisons
   *     only, null when there is no stable release
   */
  public static Judgement judge(Condition c, int minRequests, Reading canary, Reading stable) {
    String missing = unusable(canary, minRequests, "new release");
    if (missing != null) {
      return inconclusive(canary, stable, missing);
    }
    double limit = c.limit();
    double stableValue = Double.NaN;
    if (c.baseline()) {
      if (stable == null) {
        return inconclusive(canary, null, "no stable release to compare with");
      }
      String stableMissing = unusable(stable, minRequests, "stable release");
      if (stableMissing != null) {
        return inconclusive(canary, stable, stableMissing);
      }
      stableValue = stable.value();
      limit =
          c.bound() == Condition.Bound.MAX_DELTA
              ? stableValue + c.limit()
              : stableValue * c.limit();
    }
    double v = canary.value();
    boolean ok = c.bound() == Condition.Bound.MIN ? v >= limit : v <= limit;
    String reason =
        c.measure().wire()
            + " was "
            + fmt(v)
            + (ok ? ", within " : ", " + (c.bound() == Condition.Bound.MIN ? "below " : "above "))
            + bound(c, limit, stableValue);
    return new Judgement(
        ok ? Verdict.SUCCESSFUL : Verdict.FAILED,
        v,
        limit,
        stableValue,
        canary.sampleSize(),
        reason);
  }

  /** A router measurement as the value a builtin condition reads, with its sample size. */
  public static Reading builtin(Condition.Measure measure, TrafficSample t) {
    double value =
        switch (measure) {
          case ERROR_RATE -> t.errorRate();
          case LATENCY_P99_MS -> t.p99Ms();
          case REQUESTS_PER_SECOND -> t.requestsPerSecond();
          case VALUE -> Double.NaN;
        };
    return Reading.of(value, t.requests());
  }

  private static String unusable(Reading r, int minRequests, String who) {
    if (r.error() != null) {
      return who + ": " + r.error();
    }
    if (r.sampleSize() != Reading.UNSIZED && r.sampleSize() < minRequests) {
      return who
          + " served "
          + r.sampleSize()
          + " request"
          + (r.sampleSize() == 1 ? "" : "s")
          + ", fewer than min_requests "
          + minRequests;
    }
    if (!Double.isFinite(r.value())) {
      return who + ": no value (NaN)";
    }
    return null;
  }

  private static Judgement inconclusive(Reading canary, Reading stable, String why) {
    return new Judgement(
        Verdict.INCONCLUSIVE,
        canary.value(),
        Double.NaN,
        stable == null ? Double.NaN : stable.value(),
        canary.sampleSize(),
        why);
  }

  private static String bound(Condition c, double limit, double stableValue) {
    return switch (c.bound()) {
      case MAX -> "max " + fmt(limit);
      case MIN -> "min " + fmt(limit);
      case MAX_DELTA ->
          "stable " + fmt(stableValue) + " + max_delta " + fmt(c.limit()) + " = " + fmt(limit);
      case MAX_RATIO ->
          "max_ratio " + fmt(c.limit()) + " x stable " + fmt(stableValue) + " = " + fmt(limit);
    };
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
