package io.ctrlplane.deploy;

/**
 * A release named by id and version, as other resources point at it (an instance's current release,
 * a deployment's target and previous release, the release a rollback copied). {@code image} is
 * known only where the reference carries it (a deployment's target), else null.
 */
public record VersionRef(String id, Integer version, String image) {
  public static VersionRef of(String id, Integer version) {
    return id == null ? null : new VersionRef(id, version, null);
  }
}
