package io.ctrlplane.strategy.json;

import io.ctrlplane.strategy.Plan;
import io.ctrlplane.strategy.Side;
import io.ctrlplane.strategy.Step;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans as JSON (the {@code deployments.plan} column). Every step carries its description too, so
 * the stored plan reads on its own; decoding ignores it.
 */
public final class PlanCodec {
  private PlanCodec() {}

  public static JsonObject toJson(Plan plan) {
    JsonObject json =
        new JsonObject()
            .put("strategy", plan.strategy())
            .put("replicas", plan.replicas())
            .put("steps", steps(plan.steps()))
            .put("finish_from", plan.finishFrom() == Plan.NOT_PROMOTABLE ? null : plan.finishFrom())
            .put("revert", steps(plan.revert()));
    if (plan.background() != null) {
      // stored as an analysis step with where it starts, so it reads like the others
      JsonObject background =
          toJson(new Step.Analysis(plan.background().spec()))
              .put("from", plan.background().from())
              .put("step", plan.backgroundStep());
      json.put("background_analysis", background);
    }
    return json;
  }

  public static Plan fromJson(JsonObject json) {
    Integer finishFrom = json.getInteger("finish_from");
    JsonObject background = json.getJsonObject("background_analysis");
    return new Plan(
        json.getString("strategy"),
        json.getInteger("replicas"),
        steps(json.getJsonArray("steps")),
        finishFrom == null ? Plan.NOT_PROMOTABLE : finishFrom,
        steps(json.getJsonArray("revert")),
        background == null
            ? null
            : new Plan.Background(
                ((Step.Analysis) stepFromJson(background)).spec(), background.getInteger("from")));
  }

  public static JsonObject toJson(Step step) {
    JsonObject json = new JsonObject().put("type", step.type());
    if (step instanceof Step.EnsureReady s) {
      json.put("side", s.side().wire())
          .put("replicas", s.replicas())
          .put("min_ready_seconds", s.minReadySeconds());
    } else if (step instanceof Step.ScaleDown s) {
      json.put("side", s.side().wire())
          .put("replicas", s.replicas())
          .put("delay_seconds", s.delaySeconds());
    } else if (step instanceof Step.StopOthers s) {
      json.put("keep", new JsonArray(s.keep().stream().sorted().map(Side::wire).toList()));
    } else if (step instanceof Step.SetTraffic s) {
      json.put("weights", weights(s.weights()));
    } else if (step instanceof Step.Renew s) {
      json.put("replicas", s.replicas());
    } else if (step instanceof Step.Retire s) {
      json.put("keep", s.keep());
    } else if (step instanceof Step.Pause s) {
      json.put("seconds", s.seconds());
    } else if (step instanceof Step.Hook s) {
      json.put("on", s.on()).put("hook", s.hook());
    } else if (step instanceof Step.Approval s) {
      json.put("timeout_seconds", s.timeoutSeconds());
    } else if (step instanceof Step.Analysis s) {
      AnalysisJson.put(json, s.spec());
    }
    return json.put("description", step.describe());
  }

  public static Step stepFromJson(JsonObject json) {
    String type = json.getString("type");
    return switch (type) {
      case "ensure_ready" ->
          new Step.EnsureReady(
              side(json), json.getInteger("replicas"), json.getInteger("min_ready_seconds", 0));
      case "scale_down" ->
          new Step.ScaleDown(
              side(json), json.getInteger("replicas"), json.getInteger("delay_seconds", 0));
      case "stop_others" -> new Step.StopOthers(keep(json.getJsonArray("keep")));
      case "set_traffic" -> new Step.SetTraffic(weights(json.getJsonObject("weights")));
      case "renew" -> new Step.Renew(json.getInteger("replicas"));
      case "retire" -> new Step.Retire(json.getInteger("keep"));
      case "pause" -> new Step.Pause(json.getInteger("seconds"));
      case "analysis" -> new Step.Analysis(AnalysisJson.spec(json));
      case "approval" -> new Step.Approval(json.getInteger("timeout_seconds"));
      case "hook" -> new Step.Hook(json.getString("on"), json.getInteger("hook"));
      case "release_phase" -> new Step.ReleasePhase();
      default -> throw new IllegalArgumentException("unknown step type in stored plan: " + type);
    };
  }

  private static JsonArray steps(List<Step> steps) {
    JsonArray out = new JsonArray();
    steps.forEach(s -> out.add(toJson(s)));
    return out;
  }

  private static List<Step> steps(JsonArray json) {
    List<Step> out = new ArrayList<>();
    for (int i = 0; i < json.size(); i++) {
      out.add(stepFromJson(json.getJsonObject(i)));
    }
    return out;
  }

  private static Side side(JsonObject json) {
    return Side.fromWire(json.getString("side"));
  }

  private static JsonObject weights(Map<Side, Integer> weights) {
    JsonObject out = new JsonObject();
    for (Side side : Side.values()) {
      if (weights.containsKey(side)) {
        out.put(side.wire(), weights.get(side));
      }
    }
    return out;
  }

  private static Map<Side, Integer> weights(JsonObject json) {
    Map<Side, Integer> out = new EnumMap<>(Side.class);
    json.forEach(e -> out.put(Side.fromWire(e.getKey()), ((Number) e.getValue()).intValue()));
    return out;
  }

  private static Set<Side> keep(JsonArray json) {
    Set<Side> out = EnumSet.noneOf(Side.class);
    json.forEach(v -> out.add(Side.fromWire((String) v)));
    return out;
  }
}
