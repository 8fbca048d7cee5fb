package com.example.allatonce;

import io.ctrlplane.strategy.ParamReader;
import io.ctrlplane.strategy.Plan;
import io.ctrlplane.strategy.RolloutSpec;
import io.ctrlplane.strategy.Side;
import io.ctrlplane.strategy.Step;
import io.ctrlplane.strategy.Strategy;
import io.ctrlplane.strategy.StrategyParams;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strategy from outside Ctrl Plane, written against the public SPI only (hence its package): the
 * full new set beside the old one, then all traffic at once, then the old set stops. Like
 * blue-green without the delay or the promote, so it fits in a screen.
 */
public final class AllAtOnceStrategy implements Strategy<AllAtOnceStrategy.Params> {
  static final String MIN_READY_SECONDS = "min_ready_seconds";

  /** Its one parameter: how long each new replica must stay ready (0..600, default 0). */
  public record Params(int minReadySeconds) implements StrategyParams {
    @Override
    public Map<String, Object> toMap() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put(MIN_READY_SECONDS, minReadySeconds);
      return out;
    }
  }

  @Override
  public String name() {
    return "all-at-once";
  }

  @Override
  public List<String> paramNames() {
    return List.of(MIN_READY_SECONDS);
  }

  @Override
  public Params readParams(ParamReader in) {
    Integer minReady = in.optionalWhole(MIN_READY_SECONDS, 0, 600, 0);
    return minReady == null ? null : new Params(minReady);
  }

  @Override
  public int firstDeployMinReadySeconds(Params params) {
    return params.minReadySeconds();
  }

  @Override
  public Plan plan(RolloutSpec<Params> spec) {
    int n = spec.replicas();
    return new Plan(
        name(),
        n,
        List.of(
            new Step.SetTraffic(Map.of(Side.OLD, 100)),
            new Step.EnsureReady(Side.NEW, n, spec.params().minReadySeconds()),
            new Step.SetTraffic(Map.of(Side.NEW, 100)),
            new Step.StopOthers(Set.of(Side.NEW))),
        Plan.NOT_PROMOTABLE,
        List.of());
  }
}
