package io.ctrlplane.deploy;

import java.time.Instant;
import java.util.List;

/**
 * A deployable app or service: N replicas on a provider, a default strategy, the release it runs
 * now ({@code currentRelease}, null before its first deploy) and whether its last failed revert
 * left it degraded ({@code degradedReason} non-null). {@code healStatus}, when not null, is what
 * the healer reports while it replaces crashed replicas: degraded or crash_looping.
 */
public record Instance(
    String id,
    String name,
    Integer replicas,
    String provider,
    Doc providerConfig,
    String defaultStrategy,
    Doc defaultStrategyParams,
    VersionRef currentRelease,
    String degradedReason,
    Instant degradedAt,
    Instant createdAt,
    Instant updatedAt,
    List<Hook> hooks,
    int healAfterSeconds,
    String healStatus,
    String healReason,
    Instant healSince,
    List<String> releaseCommand,
    int releaseTimeoutSeconds) {

  /** The release phase's timeout when the instance names none. */
  public static final int DEFAULT_RELEASE_TIMEOUT_SECONDS = 300;

  public Instance {
    hooks = hooks == null ? List.of() : List.copyOf(hooks);
    releaseCommand = releaseCommand == null ? null : List.copyOf(releaseCommand);
  }

  public boolean degraded() {
    return degradedReason != null;
  }
}
