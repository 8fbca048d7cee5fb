package io.ctrlplane.strategy;

import io.ctrlplane.deploy.ValidationException;
import java.util.List;
import java.util.Map;

/**
 * The deployment strategies of this process and their {@code strategy_params}: a facade over the
 * {@link StrategyRegistry} discovered from the classpath once.
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

  static final String PARAMS_FIELD = "strategy_params";
  static final String PROGRESS_DEADLINE_SECONDS = "progress_deadline_seconds";

  private static volatile StrategyRegistry registry;

  private Strategies() {}

  /**
   * The strategies on the classpath, discovered on first use. A classpath with two strategies of
   * the same name fails every call with the same one-line {@link IllegalStateException}: the
   * process should not start (see {@code app/Server}).
   */
  public static StrategyRegistry registry() {
    StrategyRegistry r = registry;
    if (r == null) {
      synchronized (Strategies.class) {
        if (registry == null) {
          registry = StrategyRegistry.discover(Strategy.class.getClassLoader());
        }
        r = registry;
      }
    }
    return r;
  }

  /** The strategy names, built-ins first (rolling, blue-green, canary, recreate). */
  public static List<String> names() {
    return registry().names();
  }

  /** True for a known name, spelled exactly (names are case-sensitive). */
  public static boolean isKnown(String name) {
    return registry().isKnown(name);
  }

  /**
   * Validates {@code params} for {@code strategy} and returns every parameter of that strategy,
   * with defaults for those not given. The input is not modified.
   *
   * @param params the client's params; null is the same as {}. A null value for a parameter is the
   *     same as leaving it out.
   * @throws ValidationException listing every problem found, each at a path such as {@code
   *     strategy_params.steps[2].set_weight}; an unknown strategy is reported on {@code strategy}
   *     alone, as its params cannot be judged
   */
  public static NormalizedParams normalize(String strategy, Map<String, ?> params) {
    return registry().normalize(strategy, params);
  }
}
