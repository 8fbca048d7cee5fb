package io.ctrlplane.strategy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;

/**
 * Validates and normalizes a canary {@code steps} array: 1..50 objects, each with exactly one key.
 *
 * <ul>
 *   <li>{@code {"set_weight": 1..100}}: send that percentage of traffic to the new release. Weights
 *       must not decrease along the list.
 *   <li>{@code {"pause": {}}}: wait until someone promotes the deployment; {@code {"pause":
 *       {"seconds": 1..86400}}}: wait that long.
 *   <li>{@code {"analysis": {"max_error_rate": 0..1, "window_seconds": 1..3600}}}: watch the canary
 *       for the window and fail the deployment if its error rate exceeds the maximum. Both settings
 *       are required: there is no safe guess for an error budget.
 * </ul>
 *
 * <p>The list need not end at {@code set_weight: 100}, nor contain a set_weight at all: once the
 * last step passes, the runner promotes the new release to 100% of traffic. A list that ends below
 * 100 therefore means "hold here, check, then finish", not "stay partially rolled out".
 */
final class CanarySteps {
  static final int MAX_STEPS = 50;

  private static final String SET_WEIGHT = "set_weight";
  private static final String PAUSE = "pause";
  private static final String ANALYSIS = "analysis";
  private static final String SECONDS = "seconds";
  private static final String MAX_ERROR_RATE = "max_error_rate";
  private static final String WINDOW_SECONDS = "window_seconds";
  private static final String STEP_TYPES = "set_weight, pause or analysis";

  private final String path;
  private final Problems problems;
  // Highest valid weight so far and where it was, so a decrease can point at what it undercuts.
  private int maxWeight;
  private int maxWeightIndex = -1;

  private CanarySteps(String path, Problems problems) {
    this.path = path;
    this.problems = problems;
  }

  /** The normalized steps, or null after reporting problems at {@code path}. */
  static JsonArray read(Object raw, String path, Problems problems) {
    return new CanarySteps(path, problems).readAll(raw);
  }

  private JsonArray readAll(Object raw) {
    if (!(raw instanceof JsonArray steps)) {
      problems.add(path, "must be an array of steps, not " + JsonValues.describe(raw));
      return null;
    }
    if (steps.isEmpty()) {
      problems.add(path, "must contain at least one step");
      return null;
    }
    if (steps.size() > MAX_STEPS) {
      // The cap bounds the work per request, so the steps themselves are not inspected.
      problems.add(path, "must contain at most " + MAX_STEPS + " steps (got " + steps.size() + ")");
      return null;
    }
    JsonArray out = new JsonArray();
    for (int i = 0; i < steps.size(); i++) {
      out.add(readStep(i, steps.getValue(i)));
    }
    return out;
  }

  private JsonObject readStep(int index, Object raw) {
    String stepPath = path + "[" + index + "]";
    if (!(raw instanceof JsonObject step)) {
      problems.add(
          stepPath,
          "must be an object with one key, " + STEP_TYPES + ", not " + JsonValues.describe(raw));
      return null;
    }
    if (step.size() != 1) {
      String got = step.isEmpty() ? "none" : String.join(", ", step.fieldNames());
      problems.add(stepPath, "must have exactly one key, " + STEP_TYPES + " (got " + got + ")");
      return null;
    }
    String type = step.fieldNames().iterator().next();
    Object body = step.getValue(type);
    String bodyPath = stepPath + "." + type;
    Object normalized =
        switch (type) {
          case SET_WEIGHT -> weight(index, body, bodyPath);
          case PAUSE -> pause(body, bodyPath);
          case ANALYSIS -> analysis(body, bodyPath);
          default -> {
            problems.add(bodyPath, "unknown step type; expected " + STEP_TYPES);
            yield null;
          }
        };
    return new JsonObject().put(type, normalized);
  }

  private Integer weight(int index, Object body, String bodyPath) {
    Integer weight = JsonValues.wholeNumber(body, 1, 100, bodyPath, problems);
    if (weight == null) {
      return null;
    }
    if (maxWeightIndex >= 0 && weight < maxWeight) {
      problems.add(
          bodyPath,
          "must not be lower than an earlier set_weight ("
              + maxWeight
              + " at steps["
              + maxWeightIndex
              + "]): traffic to the canary only grows");
      return null;
    }
    maxWeight = weight;
    maxWeightIndex = index;
    return weight;
  }

  private JsonObject pause(Object body, String bodyPath) {
    if (!(body instanceof JsonObject settings)) {
      problems.add(
          bodyPath,
          "must be an object, {} to wait for promote or {\"seconds\": n}, not "
              + JsonValues.describe(body));
      return null;
    }
    ParamReader in = new ParamReader(settings, bodyPath, problems);
    in.rejectUnknownKeys(List.of(SECONDS), "pause setting");
    Integer seconds = in.optionalWhole(SECONDS, 1, 86_400, null);
    // No seconds means an indefinite pause; keep it as {} rather than inventing a marker value.
    return seconds == null ? new JsonObject() : new JsonObject().put(SECONDS, seconds);
  }

  private JsonObject analysis(Object body, String bodyPath) {
    if (!(body instanceof JsonObject settings)) {
      problems.add(
          bodyPath,
          "must be an object with max_error_rate and window_seconds, not "
              + JsonValues.describe(body));
      return null;
    }
    ParamReader in = new ParamReader(settings, bodyPath, problems);
    in.rejectUnknownKeys(List.of(MAX_ERROR_RATE, WINDOW_SECONDS), "analysis setting");
    Double maxErrorRate = in.requiredNumber(MAX_ERROR_RATE, BigDecimal.ZERO, BigDecimal.ONE);
    Integer window = in.requiredWhole(WINDOW_SECONDS, 1, 3600);
    return new JsonObject().put(MAX_ERROR_RATE, maxErrorRate).put(WINDOW_SECONDS, window);
  }
}
