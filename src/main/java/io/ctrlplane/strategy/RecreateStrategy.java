package io.ctrlplane.strategy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recreate: stop everything old, then start the new set. There is a gap with nothing serving, from
 * the stop until the first new replica is ready: expected, and visible in the provider's timeline.
 * Traffic points at the new release before it starts, so the gap ends with its first ready replica.
 */
public final class RecreateStrategy implements Strategy<RecreateParams> {
  @Override
  public String name() {
    return Strategies.RECREATE;
  }

  @Override
  public List<String> paramNames() {
    return Guards.BAKE_KEYS;
  }

  @Override
  public RecreateParams readParams(ParamReader in) {
    return RecreateParams.read(in);
  }

  @Override
  public Plan plan(RolloutSpec<RecreateParams> spec) {
    int n = spec.replicas();
    List<Step> steps =
        new java.util.ArrayList<>(
            List.of(
                new Step.StopOthers(Set.of(Side.NEW)),
                new Step.SetTraffic(Map.of(Side.NEW, 100)),
                new Step.EnsureReady(Side.NEW, n, 0)));
    if (spec.params().guards().bakeStep() != null) {
      // nothing of old is left to keep warm: a failed bake restarts it (the revert's first step)
      steps.add(spec.params().guards().bakeStep());
    }
    return new Plan(name(), n, steps, Plan.NOT_PROMOTABLE, List.of());
  }
}
