package io.ctrlplane.strategy;

import io.vertx.core.json.JsonObject;

/**
 * The inputs of a plan.
 *
 * @param replicas the instance's desired replica count
 * @param hasPrevious whether a release is live (false for an instance's first deployment)
 * @param params strategy params as normalized by {@link Strategies#normalize}
 */
public record RolloutSpec(int replicas, boolean hasPrevious, JsonObject params) {
  public RolloutSpec {
    if (replicas < 1) {
      throw new IllegalArgumentException("replicas must be at least 1, got " + replicas);
    }
    params = params == null ? new JsonObject() : params;
  }
}
