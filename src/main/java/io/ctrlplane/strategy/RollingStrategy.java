package io.ctrlplane.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rolling: replace old replicas with new ones a batch at a time, within the surge/unavailable
 * budget.
 *
 * <p>Each round first stops as many old replicas as max_unavailable allows (ready capacity never
 * below replicas - max_unavailable, counting only new replicas that are already ready), then starts
 * as many new ones as max_surge allows (never more than replicas + max_surge running) and waits
 * until they are ready for min_ready_seconds. Every round adds at least one new replica, because
 * the budget guarantees max_surge + max_unavailable >= 1. Traffic follows readiness throughout.
 */
public final class RollingStrategy implements Strategy<RollingParams> {
  @Override
  public String name() {
    return Strategies.ROLLING;
  }

  @Override
  public List<String> paramNames() {
    return RollingParams.KEYS;
  }

  @Override
  public RollingParams readParams(ParamReader in) {
    return RollingParams.read(in);
  }

  @Override
  public int firstDeployMinReadySeconds(RollingParams params) {
    return params.minReadySeconds();
  }

  @Override
  public Plan plan(RolloutSpec<RollingParams> spec) {
    Guards guards = spec.params().guards();
    if (guards.bakeSeconds() > 0) {
      return bakingPlan(spec);
    }
    int n = spec.replicas();
    RollingParams.Budget budget = spec.params().budget(n);
    int minReady = spec.params().minReadySeconds();
    List<Step> steps = new ArrayList<>();
    steps.add(new Step.SetTraffic(Map.of()));
    int oldCount = n;
    int newCount = 0;
    int firstNew = -1;
    while (newCount < n) {
      int oldTarget = Math.max(0, n - budget.maxUnavailable() - newCount);
      if (oldTarget < oldCount) {
        steps.add(new Step.ScaleDown(Side.OLD, oldTarget, 0));
        oldCount = oldTarget;
      }
      int newTarget = Math.min(n, n + budget.maxSurge() - oldCount);
      if (newTarget <= newCount) {
        throw new IllegalStateException(
            "rolling budget makes no progress: " + budget + " for " + n);
      }
      steps.add(new Step.EnsureReady(Side.NEW, newTarget, minReady));
      firstNew = firstNew < 0 ? steps.size() : firstNew;
      newCount = newTarget;
    }
    if (oldCount > 0) {
      steps.add(new Step.ScaleDown(Side.OLD, 0, 0));
    }
    steps.add(new Step.SetTraffic(Map.of(Side.NEW, 100)));
    steps.add(new Step.StopOthers(Set.of(Side.NEW)));
    return new Plan(
        name(), n, steps, Plan.NOT_PROMOTABLE, List.of(), guards.backgroundFrom(firstNew));
  }

  /**
   * Rolling with a bake: the old replicas are not stopped during the roll, so that they are still
   * warm when the new release takes all the traffic. Each round adds {@code max_surge +
   * max_unavailable} new replicas (at least one) and traffic follows readiness across both sets;
   * then all traffic moves to new, the bake measures it, and only a clean bake stops the old set.
   * The instance needs room for both sets at the end, as with blue-green.
   */
  private Plan bakingPlan(RolloutSpec<RollingParams> spec) {
    int n = spec.replicas();
    RollingParams.Budget budget = spec.params().budget(n);
    int round = Math.max(1, budget.maxSurge() + budget.maxUnavailable());
    Guards guards = spec.params().guards();
    List<Step> steps = new ArrayList<>();
    steps.add(new Step.SetTraffic(Map.of()));
    int firstNew = -1;
    for (int newCount = Math.min(n, round); ; newCount = Math.min(n, newCount + round)) {
      steps.add(new Step.EnsureReady(Side.NEW, newCount, spec.params().minReadySeconds()));
      firstNew = firstNew < 0 ? steps.size() : firstNew;
      if (newCount == n) {
        break;
      }
    }
    steps.add(new Step.SetTraffic(Map.of(Side.NEW, 100)));
    steps.add(guards.bakeStep());
    steps.add(new Step.ScaleDown(Side.OLD, 0, 0));
    steps.add(new Step.StopOthers(Set.of(Side.NEW)));
    return new Plan(
        name(), n, steps, Plan.NOT_PROMOTABLE, List.of(), guards.backgroundFrom(firstNew));
  }
}
