package io.ctrlplane.strategy;

import java.util.Locale;

/**
 * What a measured value must satisfy: a bound on one measure. {@link Bound#MAX_DELTA} and {@link
 * Bound#MAX_RATIO} compare the new release with the stable one over the same window (a baseline
 * comparison); the others hold the new release's value against a fixed limit.
 */
public record Condition(Measure measure, Bound bound, double limit) {

  /** What is measured. {@code VALUE} is a prometheus or web metric's number. */
  public enum Measure {
    ERROR_RATE("error_rate"),
    LATENCY_P99_MS("latency_p99_ms"),
    REQUESTS_PER_SECOND("requests_per_second"),
    VALUE("value");

    private final String wire;

    Measure(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    public static Measure fromWire(String wire) {
      for (Measure m : values()) {
        if (m.wire.equals(wire)) {
          return m;
        }
      }
      throw new IllegalArgumentException("unknown measure " + wire);
    }
  }

  /** The kind of limit. */
  public enum Bound {
    MAX("max"),
    MIN("min"),
    MAX_DELTA("max_delta"),
    MAX_RATIO("max_ratio");

    private final String wire;

    Bound(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    public static Bound fromWire(String wire) {
      for (Bound b : values()) {
        if (b.wire.equals(wire)) {
          return b;
        }
      }
      throw new IllegalArgumentException("unknown bound " + wire);
    }
  }

  /** True when the new release is judged against the stable one. */
  public boolean baseline() {
    return bound == Bound.MAX_DELTA || bound == Bound.MAX_RATIO;
  }

  public String describe() {
    return switch (bound) {
      case MAX -> measure.wire() + " <= " + fmt(limit);
      case MIN -> measure.wire() + " >= " + fmt(limit);
      case MAX_DELTA -> measure.wire() + " <= stable + " + fmt(limit);
      case MAX_RATIO -> measure.wire() + " <= " + fmt(limit) + " x stable";
    };
  }

  static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? String.valueOf((long) v)
        : String.format(Locale.ROOT, "%.4g", v);
  }
}
