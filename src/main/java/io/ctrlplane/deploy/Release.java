package io.ctrlplane.deploy;

import java.time.Instant;
import java.util.List;

/**
 * An immutable, numbered release of an instance: image and configuration. Of its secret_env only
 * the names are known here; the values stay sealed in their own table. A rollback's release names
 * the release it copied ({@code rollbackOf}). Its {@code kind} says what made it: {@code deploy},
 * {@code rollback} or {@code config} (the current image with a changed configuration).
 */
public record Release(
    String id,
    String instanceId,
    Integer version,
    String kind,
    String image,
    Doc env,
    List<String> secretNames,
    String commitSha,
    String notes,
    VersionRef rollbackOf,
    Instant createdAt) {
  /** What a secret's value reads as wherever it is shown. */
  public static final String REDACTED = "********";

  public Release {
    secretNames = List.copyOf(secretNames);
  }
}
