package io.ctrlplane.strategy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans for a deployment: the strategy's forward steps, or the shared first-deploy plan when
 * nothing is live yet, plus the revert steps every strategy shares.
 */
public final class Plans {
  private static final Map<String, Strategy> STRATEGIES =
      Map.of(
          Strategies.ROLLING, new RollingStrategy(),
          Strategies.BLUE_GREEN, new BlueGreenStrategy(),
          Strategies.CANARY, new CanaryStrategy(),
          Strategies.RECREATE, new RecreateStrategy());

  private Plans() {}

  public static Strategy strategy(String name) {
    Strategy s = STRATEGIES.get(name);
    if (s == null) {
      throw new IllegalArgumentException("unknown strategy " + name);
    }
    return s;
  }

  /**
   * The plan for a deployment. With nothing live there is no traffic to protect, so every strategy
   * does the same (as Argo Rollouts does on a first rollout): start the full set, wait until it is
   * ready, send it all traffic.
   */
  public static Plan of(String strategy, RolloutSpec spec) {
    Plan forward = spec.hasPrevious() ? strategy(strategy).plan(spec) : firstDeploy(strategy, spec);
    return new Plan(strategy, spec.replicas(), forward.steps(), forward.finishFrom(), revert(spec));
  }

  static Plan firstDeploy(String strategy, RolloutSpec spec) {
    int minReady =
        Strategies.ROLLING.equals(strategy)
            ? spec.params().getInteger(RollingParams.MIN_READY_SECONDS, 0)
            : 0;
    return new Plan(
        strategy,
        spec.replicas(),
        List.of(
            new Step.SetTraffic(Map.of(Side.NEW, 100)),
            new Step.EnsureReady(Side.NEW, spec.replicas(), minReady),
            new Step.StopOthers(Set.of(Side.NEW))),
        Plan.NOT_PROMOTABLE,
        List.of());
  }

  /**
   * Abort: the previous release back at full strength before traffic moves to it, then everything
   * else stops. Without a previous release, everything stops.
   */
  static List<Step> revert(RolloutSpec spec) {
    if (!spec.hasPrevious()) {
      return List.of(new Step.SetTraffic(Map.of()), new Step.StopOthers(Set.of()));
    }
    return List.of(
        new Step.EnsureReady(Side.OLD, spec.replicas(), 0),
        new Step.SetTraffic(Map.of(Side.OLD, 100)),
        new Step.StopOthers(Set.of(Side.OLD)));
  }

  /** The steps that complete a rollout to the new release; promote-full jumps here. */
  static List<Step> finish(int replicas, int oldDelaySeconds) {
    return List.of(
        new Step.EnsureReady(Side.NEW, replicas, 0),
        new Step.SetTraffic(Map.of(Side.NEW, 100)),
        new Step.ScaleDown(Side.OLD, 0, oldDelaySeconds),
        new Step.StopOthers(oldDelaySeconds > 0 ? Set.of(Side.NEW, Side.OLD) : Set.of(Side.NEW)));
  }
}
