package io.ctrlplane.strategy;

import java.util.List;

/**
 * What a deployment will do: the forward steps, and the revert steps run instead when it fails or
 * is cancelled. Stored with the deployment when it starts, so a runner resuming it after a crash
 * executes exactly the plan the first runner had, whatever version of the code it runs.
 *
 * @param finishFrom the index a full promote jumps to (skipping pauses and analyses before it), or
 *     {@link #NOT_PROMOTABLE} when the plan has nothing to skip
 * @param background an analysis measured alongside the steps from {@link Background#from()} to the
 *     end of the plan; null when none
 */
public record Plan(
    String strategy,
    int replicas,
    List<Step> steps,
    int finishFrom,
    List<Step> revert,
    Background background) {
  public static final int NOT_PROMOTABLE = -1;

  /**
   * A background analysis: measured while the forward steps from index {@code from} on run; its
   * failure fails the rollout at whatever step it is.
   */
  public record Background(AnalysisSpec spec, int from) {}

  public Plan {
    steps = List.copyOf(steps);
    revert = List.copyOf(revert);
    if (finishFrom != NOT_PROMOTABLE && (finishFrom < 0 || finishFrom > steps.size())) {
      throw new IllegalArgumentException(
          "finishFrom " + finishFrom + " outside 0.." + steps.size());
    }
    if (background != null && (background.from() < 0 || background.from() > steps.size())) {
      throw new IllegalArgumentException(
          "background from " + background.from() + " outside 0.." + steps.size());
    }
  }

  /** A plan without a background analysis. */
  public Plan(String strategy, int replicas, List<Step> steps, int finishFrom, List<Step> revert) {
    this(strategy, replicas, steps, finishFrom, revert, null);
  }

  /**
   * The step number under which background measurements are stored: one past the last forward step,
   * so it never collides with a step's own analysis.
   */
  public int backgroundStep() {
    return steps.size();
  }

  /** True when a full promote at step {@code index} (0-based) has steps to skip. */
  public boolean canSkipFrom(int index) {
    return finishFrom != NOT_PROMOTABLE
        && index < finishFrom
        && !approvalBetween(index, finishFrom);
  }

  /** Whether a gate (approval or hook) lies in [from, to): a full promote never skips one. */
  public boolean approvalBetween(int from, int to) {
    for (int i = Math.max(0, from); i < Math.min(to, steps.size()); i++) {
      if (steps.get(i) instanceof Step.Approval
          || steps.get(i) instanceof Step.Hook
          || steps.get(i) instanceof Step.ReleasePhase) {
        return true;
      }
    }
    return false;
  }
}
