package io.ctrlplane.strategy;

import io.ctrlplane.deploy.ValidationException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The deployment strategies and their {@code strategy_params}.
 *
 * <p>{@link #normalize} is the single gate for params: whatever is stored (instance defaults or a
 * deployment's own params) has passed through it, so runners can read every parameter without null
 * checks or re-validation.
 *
 * <p>Every strategy accepts {@code progress_deadline_seconds} (1..86400, default 600): how long a
 * deployment may go without progress before it is failed. Per-strategy parameters are documented on
 * {@link RollingParams}, {@link BlueGreenParams}, {@link CanaryParams} and {@link CanarySteps};
 * {@code recreate} has no others.
 */
public final class Strategies {
  public static final String ROLLING = "rolling";
  public static final String BLUE_GREEN = "blue-green";
  public static final String CANARY = "canary";
  public static final String RECREATE = "recreate";
  public static final List<String> NAMES = List.of(ROLLING, BLUE_GREEN, CANARY, RECREATE);

  static final String PARAMS_FIELD = "strategy_params";
  static final String PROGRESS_DEADLINE_SECONDS = "progress_deadline_seconds";

  private Strategies() {}

  /** True for one of {@link #NAMES}, spelled exactly (names are case-sensitive). */
  public static boolean isKnown(String name) {
    return name != null && NAMES.contains(name);
  }

  /**
   * Validates {@code params} for {@code strategy} and returns a new object holding every parameter
   * of that strategy, with defaults for those not given. The input is not modified.
   *
   * @param params the client's params; null is the same as {}. A JSON null for a parameter is the
   *     same as leaving it out.
   * @throws ValidationException listing every problem found, each at a path such as {@code
   *     strategy_params.steps[2].set_weight}; an unknown strategy is reported on {@code strategy}
   *     alone, as its params cannot be judged
   */
  public static JsonObject normalize(String strategy, JsonObject params) {
    if (!isKnown(strategy)) {
      String expected = "expected one of " + String.join(", ", NAMES);
      throw new ValidationException(
          "strategy",
          strategy == null
              ? "is required: " + expected
              : "unknown strategy " + JsonValues.quote(strategy) + ": " + expected);
    }
    Problems problems = new Problems();
    ParamReader in =
        new ParamReader(params == null ? new JsonObject() : params, PARAMS_FIELD, problems);
    in.rejectUnknownKeys(keysOf(strategy), "parameter for strategy " + strategy);

    JsonObject out = new JsonObject();
    switch (strategy) {
      case ROLLING -> RollingParams.read(in, out);
      case BLUE_GREEN -> BlueGreenParams.read(in, out);
      case CANARY -> CanaryParams.read(in, out);
      default -> {} // recreate: nothing beyond the common parameter
    }
    out.put(PROGRESS_DEADLINE_SECONDS, in.optionalWhole(PROGRESS_DEADLINE_SECONDS, 1, 86_400, 600));

    // out may hold nulls where values were rejected; it never escapes in that case.
    problems.throwIfAny();
    return out;
  }

  private static List<String> keysOf(String strategy) {
    List<String> keys =
        new ArrayList<>(
            switch (strategy) {
              case ROLLING -> RollingParams.KEYS;
              case BLUE_GREEN -> BlueGreenParams.KEYS;
              case CANARY -> CanaryParams.KEYS;
              default -> List.<String>of();
            });
    keys.add(PROGRESS_DEADLINE_SECONDS);
    return keys;
  }
}
