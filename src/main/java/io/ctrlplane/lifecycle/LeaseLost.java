package io.ctrlplane.lifecycle;

/** A fenced write found the epoch stale: another runner owns the deployment now. */
public final class LeaseLost extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LeaseLost(Claim claim) {
    super(
        "lease on " + claim.deploymentId() + " (epoch " + claim.epoch() + ") was lost",
        null,
        false,
        false);
  }
}
