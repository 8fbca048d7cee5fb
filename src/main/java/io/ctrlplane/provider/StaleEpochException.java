package io.ctrlplane.provider;

/** A provider refused a change: the deployment's lease has moved on since this epoch. */
public class StaleEpochException extends RuntimeException {
  public StaleEpochException(Fence fence, String why) {
    super(
        "provider refused a change from deployment "
            + fence.deploymentId()
            + " epoch "
            + fence.epoch()
            + ": "
            + why,
        null,
        false,
        false);
  }
}
