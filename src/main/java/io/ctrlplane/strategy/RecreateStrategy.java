package io.ctrlplane.strategy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recreate: stop everything old, then start the new set. There is a gap with nothing serving, from
 * the stop until the first new replica is ready: expected, and visible in the provider's timeline.
 * Traffic points at the new release before it starts, so the gap ends with its first ready replica.
 */
public final class RecreateStrategy implements Strategy<StrategyParams> {
  @Override
  public String name() {
    return Strategies.RECREATE;
  }

  @Override
  public List<String> paramNames() {
    return List.of();
  }

  @Override
  public StrategyParams readParams(ParamReader in) {
    return StrategyParams.NONE;
  }

  @Override
  public Plan plan(RolloutSpec<StrategyParams> spec) {
    int n = spec.replicas();
    return new Plan(
        name(),
        n,
        List.of(
            new Step.StopOthers(Set.of(Side.NEW)),
            new Step.SetTraffic(Map.of(Side.NEW, 100)),
            new Step.EnsureReady(Side.NEW, n, 0)),
        Plan.NOT_PROMOTABLE,
        List.of());
  }
}
