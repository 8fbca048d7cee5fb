package io.ctrlplane.provider;

/**
 * A release as a provider needs it: what to run.
 *
 * @param rollbackOf the release whose image and configuration this one repeats (a rollback), or
 *                   null. Replicas of that release still running are the same thing, so a provider
 *                   may adopt them instead of starting new ones: that is what makes a rollback within
 *                   blue-green's scale-down window a traffic switch rather than a restart.
 */
public record ReleaseRef(String id, int version, String image, String rollbackOf) {
  public ReleaseRef(String id, int version, String image) {
    this(id, version, image, null);
  }
}
