package com.example.allatonce;

import io.ctrlplane.strategy.ParamReader;
import io.ctrlplane.strategy.Plan;
import io.ctrlplane.strategy.RolloutSpec;
import io.ctrlplane.strategy.Strategy;
import io.ctrlplane.strategy.StrategyParams;
import java.util.List;

/** A plugin that claims a built-in's name; the registry must refuse to start with it. */
public final class AnotherRollingStrategy implements Strategy<StrategyParams> {
  @Override
  public String name() {
    return "rolling";
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
    throw new UnsupportedOperationException("never registered");
  }
}
