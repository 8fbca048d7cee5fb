package io.ctrlplane.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Canary: the stable set keeps its full size while a canary set sized to the traffic weight takes
 * that share of traffic, step by step (set_weight, pause, analysis, see {@link CanarySteps}). After
 * the last step the new release gets its full set and all traffic, and the old set stops.
 */
public final class CanaryStrategy implements Strategy<CanaryParams> {
  @Override
  public String name() {
    return Strategies.CANARY;
  }

  @Override
  public List<String> paramNames() {
    return CanaryParams.KEYS;
  }

  @Override
  public CanaryParams readParams(ParamReader in) {
    return CanaryParams.read(in);
  }

  @Override
  public Plan plan(RolloutSpec<CanaryParams> spec) {
    int n = spec.replicas();
    List<Step> steps = new ArrayList<>();
    steps.add(new Step.SetTraffic(Map.of(Side.OLD, 100)));
    for (CanaryStep step : spec.params().steps()) {
      steps.addAll(translate(step, n));
    }
    int finishFrom = steps.size();
    // the bake: all traffic on new, old still at full strength (a failure moves traffic straight
    // back to it), measured until the bake ends; only then does old scale down
    steps.addAll(Plans.finish(n, 0, spec.params().guards()));
    return new Plan(
        name(),
        n,
        steps,
        finishFrom,
        List.of(),
        spec.params().guards().backgroundFrom(serving(steps)));
  }

  /** The step after the first that sends the new release traffic: where a background starts. */
  static int serving(List<Step> steps) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i) instanceof Step.SetTraffic t && t.weights().getOrDefault(Side.NEW, 0) > 0) {
        return i + 1;
      }
    }
    return steps.size();
  }

  private static List<Step> translate(CanaryStep step, int n) {
    if (step instanceof CanaryStep.SetWeight s) {
      int weight = s.weight();
      Map<Side, Integer> split =
          weight == 100 ? Map.of(Side.NEW, 100) : Map.of(Side.NEW, weight, Side.OLD, 100 - weight);
      return List.of(
          new Step.EnsureReady(Side.NEW, canaryReplicas(n, weight), 0), new Step.SetTraffic(split));
    }
    if (step instanceof CanaryStep.Pause p) {
      return List.of(new Step.Pause(p.seconds()));
    }
    if (step instanceof CanaryStep.Approval a) {
      return List.of(new Step.Approval(a.timeoutSeconds()));
    }
    CanaryStep.Analysis a = (CanaryStep.Analysis) step;
    return List.of(new Step.Analysis(a.spec()));
  }

  /**
   * Replicas for a share of traffic: rounded up, at least one, so the canary never serves on
   * nothing.
   */
  static int canaryReplicas(int replicas, int weight) {
    return Math.max(1, (replicas * weight + 99) / 100);
  }
}
