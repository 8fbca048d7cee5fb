package io.ctrlplane.strategy;

import java.util.List;

/**
 * What a deployment will do: the forward steps, and the revert steps run instead when it fails or
 * is cancelled. Stored with the deployment when it starts, so a runner resuming it after a crash
 * executes exactly the plan the first runner had, whatever version of the code it runs.
 *
 * @param finishFrom the index a full promote jumps to (skipping pauses and analyses before it), or
 *     {@link #NOT_PROMOTABLE} when the plan has nothing to skip
 */
public record Plan(
    String strategy, int replicas, List<Step> steps, int finishFrom, List<Step> revert) {
  public static final int NOT_PROMOTABLE = -1;

  public Plan {
    steps = List.copyOf(steps);
    revert = List.copyOf(revert);
    if (finishFrom != NOT_PROMOTABLE && (finishFrom < 0 || finishFrom > steps.size())) {
      throw new IllegalArgumentException(
          "finishFrom " + finishFrom + " outside 0.." + steps.size());
    }
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
      if (steps.get(i) instanceof Step.Approval || steps.get(i) instanceof Step.Hook) {
        return true;
      }
    }
    return false;
  }
}
