package io.ctrlplane.provider;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Everything strategies need from infrastructure. Changes are declarative (a count, a set of
 * weights), so repeating one is harmless, and fenced: each carries the deployment's lease epoch and
 * fails with {@link StaleEpochException} once that epoch is stale.
 */
public interface Provider {

  /**
   * At least {@code count} healthy replicas of the release, not scheduled to stop: cancels
   * scheduled stops, replaces failed or crashed replicas, starts what is missing. Returns without
   * waiting for readiness; {@link #status} tells.
   */
  Future<Void> runReplicas(Fence fence, ReleaseRef release, int count);

  /**
   * True when the provider reads a release's secret_env itself, where the replicas run (the process
   * provider's agents): the runner then hands it the release without opening any secret.
   */
  default boolean opensSecrets() {
    return false;
  }

  /**
   * At most {@code keep} replicas of the release keep running; the others (unhealthy and not yet
   * ready ones first) stop after {@code delaySeconds}, at once when 0.
   */
  Future<Void> stopReplicas(Fence fence, String releaseId, int keep, int delaySeconds);

  /**
   * Replica generations (a restart): at least {@code count} healthy replicas of the release started
   * under this fence's deployment, whatever else runs; replaces failed ones of that generation,
   * starts what is missing. Providers on the fenced-fleet engine all have it.
   */
  default Future<Void> renewReplicas(Fence fence, ReleaseRef release, int count) {
    return Future.failedFuture(
        new UnsupportedOperationException("this provider cannot replace replicas of one release"));
  }

  /**
   * At most {@code keep} replicas of the release started before this fence's deployment keep
   * running; the others stop now (drained where the provider drains).
   */
  default Future<Void> retireReplicas(Fence fence, String releaseId, int keep) {
    return Future.failedFuture(
        new UnsupportedOperationException("this provider cannot replace replicas of one release"));
  }

  /**
   * Runs a release's release phase once, before any replica of it starts: {@code argv} with the
   * release's environment (opened by the provider itself when {@link #opensSecrets}), stopped after
   * {@code timeoutSeconds}. Fails when the provider cannot run one; a non-zero exit is a result,
   * not a failure.
   */
  default Future<PhaseResult> runReleasePhase(
      Fence fence, ReleaseRef release, java.util.List<String> argv, int timeoutSeconds) {
    return Future.failedFuture(
        new UnsupportedOperationException("this provider cannot run a release phase"));
  }

  /**
   * Traffic weights in percent per release id, summing to 100; empty: every ready replica serves.
   */
  Future<Void> setTraffic(Fence fence, Map<String, Integer> weights);

  /** What runs now, with each replica's readiness. */
  Future<FleetStatus> status(String instanceId);

  /** What a release served over the last {@code windowSeconds}: requests, 5xx answers, latency. */
  Future<TrafficSample> traffic(String instanceId, String releaseId, int windowSeconds);

  /**
   * The share of failed requests served by a release over the last {@code windowSeconds}, 0..1; 0
   * when it served nothing (analysis reads {@link #traffic}, where no request is no evidence).
   */
  default Future<Double> errorRate(String instanceId, String releaseId, int windowSeconds) {
    return traffic(instanceId, releaseId, windowSeconds)
        .map(t -> t.requests() == 0 ? 0.0 : t.errorRate());
  }

  /**
   * The history of replica and traffic changes, oldest first: {@code {"items": [...],
   * "next_cursor"}}.
   */
  Future<JsonObject> timeline(String instanceId, int limit, String cursor);
}
