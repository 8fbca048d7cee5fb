package io.ctrlplane.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
 *       are required: there is no safe guess for an error budget. The full form ({@code metrics},
 *       {@code min_requests}) is read by {@link AnalysisSpecs}.
 *   <li>{@code {"approval": {"timeout_seconds": 1..604800}}} (default 3600): wait for a second key
 *       with the {@code approve} scope; a rejection or the timeout fails and reverts the
 *       deployment.
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
  private static final String APPROVAL = "approval";
  private static final String TIMEOUT_SECONDS = "timeout_seconds";
  static final int DEFAULT_APPROVAL_TIMEOUT = 3600;
  private static final String STEP_TYPES = "set_weight, pause, analysis or approval";

  private final String path;
  private final ParamReader in;
  // Highest valid weight so far and where it was, so a decrease can point at what it undercuts.
  private int maxWeight;
  private int maxWeightIndex = -1;

  private CanarySteps(String path, ParamReader in) {
    this.path = path;
    this.in = in;
  }

  /**
   * The steps, or null (or a list with nulls) after reporting problems at {@code path} on {@code
   * in}.
   */
  static List<CanaryStep> read(Object raw, String path, ParamReader in) {
    return new CanarySteps(path, in).readAll(raw);
  }

  private List<CanaryStep> readAll(Object raw) {
    if (!(raw instanceof List<?> steps)) {
      in.report(path, "must be an array of steps, not " + Values.describe(raw));
      return null;
    }
    if (steps.isEmpty()) {
      in.report(path, "must contain at least one step");
      return null;
    }
    if (steps.size() > MAX_STEPS) {
      // The cap bounds the work per request, so the steps themselves are not inspected.
      in.report(path, "must contain at most " + MAX_STEPS + " steps (got " + steps.size() + ")");
      return null;
    }
    List<CanaryStep> out = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      out.add(readStep(i, steps.get(i)));
    }
    return out;
  }

  private CanaryStep readStep(int index, Object raw) {
    String stepPath = path + "[" + index + "]";
    if (!(raw instanceof Map<?, ?> step)) {
      in.report(
          stepPath,
          "must be an object with one key, " + STEP_TYPES + ", not " + Values.describe(raw));
      return null;
    }
    if (step.size() != 1) {
      String got =
          step.isEmpty()
              ? "none"
              : String.join(", ", step.keySet().stream().map(String::valueOf).toList());
      in.report(stepPath, "must have exactly one key, " + STEP_TYPES + " (got " + got + ")");
      return null;
    }
    String type = String.valueOf(step.keySet().iterator().next());
    Object body = step.get(type);
    String bodyPath = stepPath + "." + type;
    return switch (type) {
      case SET_WEIGHT -> weight(index, body, bodyPath);
      case PAUSE -> pause(body, bodyPath);
      case ANALYSIS -> analysis(body, bodyPath);
      case APPROVAL -> approval(body, bodyPath);
      default -> {
        in.report(bodyPath, "unknown step type; expected " + STEP_TYPES);
        yield null;
      }
    };
  }

  private CanaryStep.SetWeight weight(int index, Object body, String bodyPath) {
    Integer weight = Values.wholeNumber(body, 1, 100, bodyPath, in.problems());
    if (weight == null) {
      return null;
    }
    if (maxWeightIndex >= 0 && weight < maxWeight) {
      in.report(
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
    return new CanaryStep.SetWeight(weight);
  }

  private CanaryStep.Pause pause(Object body, String bodyPath) {
    if (!(body instanceof Map<?, ?> settings)) {
      in.report(
          bodyPath,
          "must be an object, {} to wait for promote or {\"seconds\": n}, not "
              + Values.describe(body));
      return null;
    }
    ParamReader pause = in.nested(keyed(settings), bodyPath);
    pause.rejectUnknownKeys(List.of(SECONDS), "pause setting");
    // no seconds: an indefinite pause, until promoted
    return new CanaryStep.Pause(pause.optionalWhole(SECONDS, 1, 86_400, null));
  }

  private CanaryStep.Approval approval(Object body, String bodyPath) {
    if (!(body instanceof Map<?, ?> settings)) {
      in.report(
          bodyPath,
          "must be an object, {\"timeout_seconds\": n} or {}, not " + Values.describe(body));
      return null;
    }
    ParamReader approval = in.nested(keyed(settings), bodyPath);
    approval.rejectUnknownKeys(List.of(TIMEOUT_SECONDS), "approval setting");
    Integer timeout = approval.optionalWhole(TIMEOUT_SECONDS, 1, 604_800, DEFAULT_APPROVAL_TIMEOUT);
    return timeout == null ? null : new CanaryStep.Approval(timeout);
  }

  private CanaryStep.Analysis analysis(Object body, String bodyPath) {
    AnalysisSpec spec = AnalysisSpecs.read(body, bodyPath, in);
    return spec == null ? null : new CanaryStep.Analysis(spec);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> keyed(Map<?, ?> settings) {
    // decoded JSON objects have string keys only
    return (Map<String, ?>) settings;
  }
}
