package io.ctrlplane.strategy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Canary: the stable set keeps its full size while a canary set sized to the traffic weight takes
 * that share of traffic, step by step (set_weight, pause, analysis, see {@link CanarySteps}). After
 * the last step the new release gets its full set and all traffic, and the old set stops.
 */
final class CanaryStrategy implements Strategy {
  @Override
  public String name() {
    return Strategies.CANARY;
  }

  @Override
  public Plan plan(RolloutSpec spec) {
    int n = spec.replicas();
    List<Step> steps = new ArrayList<>();
    steps.add(new Step.SetTraffic(Map.of(Side.OLD, 100)));
    JsonArray canarySteps = spec.params().getJsonArray(CanaryParams.STEPS, new JsonArray());
    for (int i = 0; i < canarySteps.size(); i++) {
      steps.addAll(translate(canarySteps.getJsonObject(i), n));
    }
    int finishFrom = steps.size();
    steps.addAll(Plans.finish(n, 0));
    return new Plan(name(), n, steps, finishFrom, List.of());
  }

  private static List<Step> translate(JsonObject step, int n) {
    if (step.containsKey("set_weight")) {
      int weight = step.getInteger("set_weight");
      Map<Side, Integer> split =
          weight == 100 ? Map.of(Side.NEW, 100) : Map.of(Side.NEW, weight, Side.OLD, 100 - weight);
      return List.of(
          new Step.EnsureReady(Side.NEW, canaryReplicas(n, weight), 0), new Step.SetTraffic(split));
    }
    if (step.containsKey("pause")) {
      return List.of(new Step.Pause(step.getJsonObject("pause").getInteger("seconds")));
    }
    JsonObject analysis = step.getJsonObject("analysis");
    return List.of(
        new Step.Analysis(
            analysis.getDouble("max_error_rate"), analysis.getInteger("window_seconds")));
  }

  /**
   * Replicas for a share of traffic: rounded up, at least one, so the canary never serves on
   * nothing.
   */
  static int canaryReplicas(int replicas, int weight) {
    return Math.max(1, (replicas * weight + 99) / 100);
  }
}
