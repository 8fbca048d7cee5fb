package io.ctrlplane.lifecycle;

/**
 * A deployment a runner holds, with the lease epoch that fences its writes: every write the
 * lifecycle makes for the holder names this epoch, so a runner that lost its lease writes nothing.
 *
 * @param resumed whether the claim took over a running deployment from a runner whose lease expired
 *     (no deploy.started then: it started before)
 */
public record Claim(String deploymentId, String instanceId, long epoch, boolean resumed) {

  /** Whether a deployment row read as ({@code state}, {@code epoch}) is still this claim's. */
  public boolean holds(String state, long rowEpoch) {
    return rowEpoch == epoch && "running".equals(state);
  }
}
