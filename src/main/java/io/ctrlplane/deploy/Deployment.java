package io.ctrlplane.deploy;

import java.time.Instant;
import java.util.List;

/**
 * One attempt to move an instance to a release with a strategy: its state ({@link
 * DeploymentState}), where the rollout stands ({@code progress}) and the outline of its plan (null
 * until the runner stored one).
 */
public record Deployment(
    String id,
    long seq,
    String instanceId,
    String kind,
    DeploymentState state,
    String strategy,
    Doc strategyParams,
    VersionRef release,
    VersionRef previousRelease,
    String replacesDeploymentId,
    String error,
    boolean cancelRequested,
    Doc progress,
    PlanOutline plan,
    Initiator initiatedBy,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    Instant updatedAt) {

  /** The API key that asked for the deployment (null for deployments made before keys existed). */
  public record Initiator(String keyId, String keyName) {}

  /**
   * The stored plan as users see it: each step's type and words, and the step a full promote skips
   * to ({@code finishFrom}, null when nothing can be skipped).
   */
  public record PlanOutline(List<PlanStep> steps, Integer finishFrom) {
    public PlanOutline {
      steps = List.copyOf(steps);
    }
  }

  public record PlanStep(String type, String description) {}
}
