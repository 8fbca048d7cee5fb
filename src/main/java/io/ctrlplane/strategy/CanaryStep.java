package io.ctrlplane.strategy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One step of a canary's {@code steps} parameter, as validated by {@link CanarySteps}. {@link
 * #toMap()} is its normalized form: an object with exactly one key.
 */
public sealed interface CanaryStep {

  /** The normalized form, e.g. {@code {"set_weight": 20}}. */
  Map<String, Object> toMap();

  /** Send {@code weight} percent (1..100) of traffic to the new release. */
  record SetWeight(int weight) implements CanaryStep {
    public Map<String, Object> toMap() {
      return one("set_weight", weight);
    }
  }

  /** Wait {@code seconds} (1..86400), or until promoted when null. */
  record Pause(Integer seconds) implements CanaryStep {
    public Map<String, Object> toMap() {
      // No seconds means an indefinite pause; keep it as {} rather than inventing a marker value.
      return one("pause", seconds == null ? new LinkedHashMap<>() : one("seconds", seconds));
    }
  }

  /** Wait for a second key to approve (or reject) within {@code timeoutSeconds}. */
  record Approval(int timeoutSeconds) implements CanaryStep {
    public Map<String, Object> toMap() {
      return one("approval", one("timeout_seconds", timeoutSeconds));
    }
  }

  /** Measure the canary as {@code spec} says; fail, pause (inconclusive) or go on. */
  record Analysis(AnalysisSpec spec) implements CanaryStep {
    /** The shorthand: fail above {@code maxErrorRate} (0..1) over {@code windowSeconds}. */
    public Analysis(double maxErrorRate, int windowSeconds) {
      this(AnalysisSpec.errorRate(maxErrorRate, windowSeconds));
    }

    public Map<String, Object> toMap() {
      return one("analysis", spec.toMap());
    }
  }

  private static Map<String, Object> one(String key, Object value) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(key, value);
    return out;
  }
}
