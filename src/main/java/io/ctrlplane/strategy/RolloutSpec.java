package io.ctrlplane.strategy;

/**
 * The inputs of a plan.
 *
 * @param replicas the instance's desired replica count
 * @param hasPrevious whether a release is live (false for an instance's first deployment)
 * @param params the strategy's own parameters, as its {@link Strategy#readParams} made them
 */
public record RolloutSpec<P extends StrategyParams>(int replicas, boolean hasPrevious, P params) {
  public RolloutSpec {
    if (replicas < 1) {
      throw new IllegalArgumentException("replicas must be at least 1, got " + replicas);
    }
    if (params == null) {
      throw new IllegalArgumentException("params are required");
    }
  }
}
