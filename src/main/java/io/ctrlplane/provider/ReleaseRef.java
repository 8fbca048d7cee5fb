package io.ctrlplane.provider;

import java.util.Map;
import java.util.TreeSet;

/**
 * A release as a provider needs it: what to run, and with which environment.
 *
 * @param rollbackOf the release whose image and configuration this one repeats (a rollback), or
 *     null. Replicas of that release still running are the same thing, so a provider may adopt them
 *     instead of starting new ones: that is what makes a rollback within blue-green's scale-down
 *     window a traffic switch rather than a restart.
 * @param env the variables to start replicas with: plain env and the decrypted secret_env. Present
 *     only on the reference handed to {@link Provider#runReplicas}; a provider passes it to what it
 *     starts and must never store or log the values.
 */
public record ReleaseRef(
    String id, int version, String image, String rollbackOf, Map<String, String> env) {
  public ReleaseRef(String id, int version, String image, String rollbackOf) {
    this(id, version, image, rollbackOf, Map.of());
  }

  public ReleaseRef(String id, int version, String image) {
    this(id, version, image, null, Map.of());
  }

  public ReleaseRef withEnv(Map<String, String> values) {
    return new ReleaseRef(id, version, image, rollbackOf, Map.copyOf(values));
  }

  /** Names only: a release reference may end up in a log line, its secret values never may. */
  @Override
  public String toString() {
    return "ReleaseRef["
        + id
        + ", v"
        + version
        + ", "
        + image
        + ", rollbackOf="
        + rollbackOf
        + ", env names="
        + new TreeSet<>(env.keySet())
        + "]";
  }
}
