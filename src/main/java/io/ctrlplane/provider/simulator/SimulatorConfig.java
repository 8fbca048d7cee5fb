package io.ctrlplane.provider.simulator;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.provider.TrafficSample;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The simulator's {@code provider_config}:
 *
 * <pre>
 * {"start_delay_ms": 200, "ready_delay_ms": 300, "requests_per_second": 100,
 *  "faults": [{"image": "*:bad*", "never_ready": true}, {"image": "*:nostart", "fail_start": true},
 *             {"image": "*:crashy", "crash_after_seconds": 2}, {"image": "*:flaky", "error_rate": 0.3},
 *             {"image": "*:slow", "latency_ms": 400}]}
 * </pre>
 *
 * A replica's process is up {@code start_delay_ms} after it is created and ready {@code
 * ready_delay_ms} later. The first fault rule whose glob matches the image applies.
 */
public record SimulatorConfig(
    long startDelayMs, long readyDelayMs, double requestsPerSecond, List<FaultRule> faults) {
  static final double DEFAULT_REQUESTS_PER_SECOND = 100;
  static final long DEFAULT_START_DELAY_MS = 200;
  static final long DEFAULT_READY_DELAY_MS = 300;
  static final long MAX_DELAY_MS = 3_600_000;
  static final int MAX_FAULTS = 100;
  private static final Set<String> KEYS =
      Set.of("start_delay_ms", "ready_delay_ms", "requests_per_second", "faults");
  private static final Set<String> FAULT_KEYS =
      Set.of(
          "image",
          "fail_start",
          "never_ready",
          "crash_after_seconds",
          "error_rate",
          "latency_ms",
          "release_phase_fail",
          "release_phase_ms");

  /** A config with the default traffic model. */
  public SimulatorConfig(long startDelayMs, long readyDelayMs, List<FaultRule> faults) {
    this(startDelayMs, readyDelayMs, DEFAULT_REQUESTS_PER_SECOND, faults);
  }

  /** Reads a config that passed {@link #validate}; absent keys take their defaults. */
  static SimulatorConfig from(JsonObject json) {
    JsonObject cfg = json == null ? new JsonObject() : json;
    List<FaultRule> faults = new ArrayList<>();
    cfg.getJsonArray("faults", new JsonArray())
        .forEach(f -> faults.add(FaultRule.from((JsonObject) f)));
    return new SimulatorConfig(
        cfg.getLong("start_delay_ms", DEFAULT_START_DELAY_MS),
        cfg.getLong("ready_delay_ms", DEFAULT_READY_DELAY_MS),
        cfg.getNumber("requests_per_second", DEFAULT_REQUESTS_PER_SECOND).doubleValue(),
        faults);
  }

  /**
   * What a release of {@code image} serving {@code share} percent of traffic answers over a window:
   * the model's requests, its errors, every answer in the bucket of the rule's latency.
   */
  TrafficSample traffic(String image, int share, int windowSeconds) {
    FaultRule rule = faultFor(image);
    long requests = Math.round(requestsPerSecond * windowSeconds * share / 100.0);
    long errors = Math.round(requests * rule.errorRate());
    long[] buckets = new long[TrafficSample.BUCKETS_MS.length + 1];
    buckets[TrafficSample.bucket(rule.latencyMs())] = requests;
    return new TrafficSample(windowSeconds, requests, errors, buckets);
  }

  FaultRule faultFor(String image) {
    return faults.stream().filter(f -> f.matches(image)).findFirst().orElse(FaultRule.NONE);
  }

  /**
   * @throws ValidationException with every problem found, fields prefixed with {@code path}
   */
  public static void validate(JsonObject cfg, String path) {
    List<FieldError> errors = new ArrayList<>();
    cfg.fieldNames().stream()
        .filter(k -> !KEYS.contains(k))
        .sorted()
        .forEach(
            k ->
                errors.add(
                    new FieldError(
                        path + "." + k,
                        "unknown simulator setting; known: faults, ready_delay_ms, "
                            + "requests_per_second, start_delay_ms")));
    wholeMs(cfg.getValue("start_delay_ms"), path + ".start_delay_ms", errors);
    wholeMs(cfg.getValue("ready_delay_ms"), path + ".ready_delay_ms", errors);
    number(
        cfg.getValue("requests_per_second"), 0, 1_000_000, path + ".requests_per_second", errors);
    Object faults = cfg.getValue("faults");
    if (faults != null && !(faults instanceof JsonArray)) {
      errors.add(new FieldError(path + ".faults", "must be an array of fault rules"));
    } else if (faults != null) {
      JsonArray list = (JsonArray) faults;
      if (list.size() > MAX_FAULTS) {
        errors.add(new FieldError(path + ".faults", "must have at most " + MAX_FAULTS + " rules"));
      }
      for (int i = 0; i < Math.min(list.size(), MAX_FAULTS); i++) {
        fault(list.getValue(i), path + ".faults[" + i + "]", errors);
      }
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
  }

  private static void fault(Object raw, String path, List<FieldError> errors) {
    if (!(raw instanceof JsonObject rule)) {
      errors.add(
          new FieldError(path, "must be an object with an image glob and at least one fault"));
      return;
    }
    rule.fieldNames().stream()
        .filter(k -> !FAULT_KEYS.contains(k))
        .sorted()
        .forEach(
            k ->
                errors.add(
                    new FieldError(
                        path + "." + k,
                        "unknown fault setting; known: "
                            + String.join(", ", new java.util.TreeSet<>(FAULT_KEYS)))));
    Object image = rule.getValue("image");
    if (!(image instanceof String glob) || glob.isBlank() || glob.length() > 255) {
      errors.add(
          new FieldError(
              path + ".image",
              "is required: a glob of 1 to 255 characters over the image, e.g. \"*:bad*\""));
    }
    bool(rule.getValue("fail_start"), path + ".fail_start", errors);
    bool(rule.getValue("never_ready"), path + ".never_ready", errors);
    number(
        rule.getValue("crash_after_seconds"), 0.001, 86_400, path + ".crash_after_seconds", errors);
    number(rule.getValue("error_rate"), 0, 1, path + ".error_rate", errors);
    number(rule.getValue("latency_ms"), 0, 86_400_000, path + ".latency_ms", errors);
    bool(rule.getValue("release_phase_fail"), path + ".release_phase_fail", errors);
    wholeMs(rule.getValue("release_phase_ms"), path + ".release_phase_ms", errors);
    if (!rule.containsKey("fail_start")
        && !rule.containsKey("never_ready")
        && !rule.containsKey("crash_after_seconds")
        && !rule.containsKey("error_rate")
        && !rule.containsKey("latency_ms")
        && !rule.containsKey("release_phase_fail")
        && !rule.containsKey("release_phase_ms")) {
      errors.add(
          new FieldError(
              path,
              "sets no fault: give fail_start, never_ready, crash_after_seconds, error_rate, "
                  + "latency_ms, release_phase_fail or release_phase_ms"));
    }
  }

  private static void wholeMs(Object v, String field, List<FieldError> errors) {
    if (v == null) {
      return;
    }
    if (!(v instanceof Integer || v instanceof Long)
        || ((Number) v).longValue() < 0
        || ((Number) v).longValue() > MAX_DELAY_MS) {
      errors.add(
          new FieldError(
              field, "must be a whole number of milliseconds from 0 to " + MAX_DELAY_MS));
    }
  }

  private static void bool(Object v, String field, List<FieldError> errors) {
    if (v != null && !(v instanceof Boolean)) {
      errors.add(new FieldError(field, "must be true or false"));
    }
  }

  private static void number(
      Object v, double min, double max, String field, List<FieldError> errors) {
    if (v == null) {
      return;
    }
    if (!(v instanceof Number n)
        || !Double.isFinite(n.doubleValue())
        || n.doubleValue() < min
        || n.doubleValue() > max) {
      errors.add(
          new FieldError(
              field,
              "must be a number from "
                  + (min == 0 ? "0" : "more than 0")
                  + " to "
                  + (max == 1 ? "1" : String.valueOf((long) max))));
    }
  }
}
