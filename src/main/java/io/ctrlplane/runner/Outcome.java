package io.ctrlplane.runner;

/** What one attempt at a step found. */
sealed interface Outcome {
  /** The step's desired state holds: checkpoint and go on. */
  record Done() implements Outcome {}

  /**
   * Not yet: try again shortly.
   *
   * @param blockedOn what it waits for: readiness, pause, analysis, provider
   * @param underDeadline whether progress_deadline_seconds applies (not to pauses, which end on
   *     their own or on promote)
   */
  record Waiting(String blockedOn, String message, boolean underDeadline) implements Outcome {}

  /** It cannot succeed: abort the deployment. */
  record Failed(String reason) implements Outcome {}

  Outcome DONE = new Done();
}
