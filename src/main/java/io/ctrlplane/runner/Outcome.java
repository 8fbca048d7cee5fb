package io.ctrlplane.runner;

/** What one attempt at a step found. */
sealed interface Outcome {
  /** The step's desired state holds: checkpoint and go on. */
  record Done() implements Outcome {}

  /**
   * Not yet: look again when something may have changed.
   *
   * @param blockedOn what it waits for: readiness, pause, analysis, provider
   * @param underDeadline whether progress_deadline_seconds applies (not to pauses, which end on
   *     their own or on promote)
   * @param wakeInMs when the step can next change on its own: a time left, {@link #RECHECK} (ask
   *     the provider again, backing off) or {@link #ON_EVENT} (only a user's command moves it)
   */
  record Waiting(String blockedOn, String message, boolean underDeadline, long wakeInMs)
      implements Outcome {
    static final long RECHECK = -1;
    static final long ON_EVENT = Long.MAX_VALUE;

    Waiting(String blockedOn, String message, boolean underDeadline) {
      this(blockedOn, message, underDeadline, RECHECK);
    }
  }

  /** It cannot succeed: abort the deployment. */
  record Failed(String reason) implements Outcome {}

  Outcome DONE = new Done();
}
