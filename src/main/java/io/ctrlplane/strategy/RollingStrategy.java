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
    int n = spec.replicas();
    RollingParams.Budget budget = spec.params().budget(n);
    int minReady = spec.params().minReadySeconds();
    List<Step> steps = new ArrayList<>();
    steps.add(new Step.SetTraffic(Map.of()));
    int oldCount = n;
    int newCount = 0;
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
      newCount = newTarget;
    }
    if (oldCount > 0) {
      steps.add(new Step.ScaleDown(Side.OLD, 0, 0));
    }
    steps.add(new Step.SetTraffic(Map.of(Side.NEW, 100)));
    steps.add(new Step.StopOthers(Set.of(Side.NEW)));
    return new Plan(name(), n, steps, Plan.NOT_PROMOTABLE, List.of());
  }
}
