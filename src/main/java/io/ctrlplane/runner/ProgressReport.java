package io.ctrlplane.runner;

import io.ctrlplane.deploy.Doc;
import io.ctrlplane.deploy.codec.DeployJson;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.strategy.Side;
import io.ctrlplane.strategy.Step;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The {@code progress} object of a deployment, as GET /v1/deployments/{id} and deploy.progressed
 * events show it: phase, step k of n, traffic split, ready counts old/new, a message, and what the
 * deployment is blocked on.
 */
final class ProgressReport {
  static final String ROLLING_OUT = "rolling_out";
  static final String PAUSED = "paused";
  static final String REVERTING = "reverting";

  private ProgressReport() {}

  /**
   * @param index 0-based index of the current step in its list (forward or revert)
   * @param total length of that list
   * @param step the current step, or null when the list is done
   * @param blockedOn readiness, pause, analysis, provider, or null
   */
  static JsonObject of(
      RolloutContext ctx,
      String phase,
      int index,
      int total,
      Step step,
      FleetStatus fleet,
      String message,
      String blockedOn) {
    JsonObject progress =
        new JsonObject()
            .put("phase", phase)
            .put("step", Math.min(index + 1, total))
            .put("steps", total)
            .put("step_type", step == null ? null : step.type())
            .put("step_description", step == null ? null : step.describe())
            .put("message", message)
            .put("blocked_on", blockedOn);
    if (fleet != null) {
      progress
          .put("traffic", traffic(ctx, fleet))
          .put("ready", counts(ctx, fleet, true))
          .put("replicas", counts(ctx, fleet, false))
          .put("observed_at", fleet.observedAt().toString());
    }
    return progress;
  }

  /** {@link #of}, as the document the lifecycle stores. */
  static Doc doc(
      RolloutContext ctx,
      String phase,
      int index,
      int total,
      Step step,
      FleetStatus fleet,
      String message,
      String blockedOn) {
    return DeployJson.doc(of(ctx, phase, index, total, step, fleet, message, blockedOn));
  }

  /** Traffic percentages by side; releases that are neither old nor new show as "other". */
  private static JsonObject traffic(RolloutContext ctx, FleetStatus fleet) {
    JsonObject out = new JsonObject().put("old", 0).put("new", 0);
    for (Map.Entry<String, Integer> e : fleet.effectiveWeights().entrySet()) {
      String key = sideOf(ctx, e.getKey());
      out.put(key, out.getInteger(key, 0) + e.getValue());
    }
    return out;
  }

  private static JsonObject counts(RolloutContext ctx, FleetStatus fleet, boolean readyOnly) {
    JsonObject out = new JsonObject();
    for (Side side : Side.values()) {
      ReleaseRef r = ctx.release(side);
      out.put(side.wire(), r == null ? 0 : readyOnly ? fleet.ready(r.id()) : fleet.running(r.id()));
    }
    return out;
  }

  private static String sideOf(RolloutContext ctx, String releaseId) {
    for (Side side : Side.values()) {
      ReleaseRef r = ctx.release(side);
      if (r != null && r.id().equals(releaseId)) {
        return side.wire();
      }
    }
    return "other";
  }

  /**
   * The same progress without the moment-to-moment fields, to tell a real change from a new sample.
   */
  static JsonObject gist(JsonObject progress) {
    JsonObject copy = progress.copy();
    copy.remove("observed_at");
    copy.remove("message");
    return copy;
  }
}
