package io.ctrlplane.runner;

/**
 * When a runner takes new deployments, and how many: only while it holds fewer than {@code
 * runner.max_active} and its dispatcher's backlog of due moves is short. A runner whose moves queue
 * up is already the bottleneck; claiming more would only make every deployment it holds slower,
 * while another runner process could start them at once. What a runner leaves stays pending (or
 * with an expired lease) for whichever runner is under its limits.
 *
 * <p>Plain Java, no I/O: the runner asks it before every claim and reports its answer in its {@code
 * runners} row.
 */
record Admission(int maxActive, int maxConcurrent, int batch) {
  /** Due moves per move slot beyond which the runner stops admitting. */
  static final int BACKLOG_PER_SLOT = 16;

  Admission {
    if (maxActive < 1 || maxConcurrent < 1 || batch < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }

  /** The backlog of due moves at which admission pauses. */
  int backlogLimit() {
    return maxConcurrent * BACKLOG_PER_SLOT;
  }

  /** Whether a runner holding {@code active} with {@code queued} due moves takes more now. */
  boolean admitting(int active, int queued) {
    return active < maxActive && queued < backlogLimit();
  }

  /** How many deployments to claim in the next batch: 0 while over a limit. */
  int claimable(int active, int queued) {
    if (!admitting(active, queued)) {
      return 0;
    }
    return Math.min(batch, Math.min(maxActive - active, backlogLimit() - queued));
  }
}
