package io.ctrlplane.provider.simulator;

import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.PhaseResult;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.TrafficSample;
import io.ctrlplane.provider.fleet.FencedFleet;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Map;

/**
 * A simulated fleet, honest about being one: no process runs anywhere. Replicas are rows whose life
 * is fixed at creation ({@link SimulatedReplicas}), so their status at any moment is read off
 * timestamps. The state lives in PostgreSQL, so any runner can carry on what another started, and
 * every change is appended to a timeline with its time, from which tests prove what was serving
 * when. Changes go through the fenced-fleet engine, like every provider's.
 */
public final class SimulatorProvider implements Provider {
  public static final String NAME = "simulator";

  private final Pool pool;
  private final FencedFleet fleet;

  public SimulatorProvider(Pool pool) {
    this.pool = pool;
    this.fleet = new FencedFleet(pool, new SimulatedReplicas());
  }

  @Override
  public Future<Void> runReplicas(Fence fence, ReleaseRef release, int count) {
    return fleet.runReplicas(fence, release, count);
  }

  @Override
  public Future<Void> stopReplicas(Fence fence, String releaseId, int keep, int delaySeconds) {
    return fleet.stopReplicas(fence, releaseId, keep, delaySeconds);
  }

  @Override
  public Future<Void> renewReplicas(Fence fence, ReleaseRef release, int count) {
    return fleet.renewReplicas(fence, release, count);
  }

  @Override
  public Future<Void> retireReplicas(Fence fence, String releaseId, int keep) {
    return fleet.retireReplicas(fence, releaseId, keep);
  }

  /**
   * A simulated release phase: nothing runs. The first fault rule matching the image with a
   * release-phase setting decides: {@code release_phase_ms} is how long it takes (default 100 ms),
   * {@code release_phase_fail} makes it exit 1.
   */
  @Override
  public Future<PhaseResult> runReleasePhase(
      Fence fence, ReleaseRef release, List<String> argv, int timeoutSeconds) {
    return pool.preparedQuery(SimulatorSql.CONFIG_AND_IMAGE)
        .execute(Tuple.of(fence.instanceId(), release.id()))
        .compose(
            rs -> {
              Row row = rs.iterator().next();
              JsonObject rule = phaseRule(row.getJsonObject("provider_config"), release.image());
              boolean fail = rule.getBoolean("release_phase_fail", false);
              long ms = rule.getLong("release_phase_ms", 100L);
              String cmd = String.join(" ", argv);
              String output =
                  "[simulator] release phase of "
                      + release.image()
                      + ": "
                      + cmd
                      + "\n"
                      + (fail
                          ? "[simulator] release_phase_fail: the command exits 1\n"
                          : "[simulator] done\n");
              long limitMs = timeoutSeconds * 1000L;
              if (ms > limitMs) {
                // stopped at the timeout, as a real provider stops the command (timeout(1)'s 124)
                return Vertx.currentContext()
                    .owner()
                    .timer(limitMs)
                    .map(
                        t ->
                            new PhaseResult(
                                PhaseResult.TIMED_OUT,
                                "[simulator] release phase of "
                                    + release.image()
                                    + ": "
                                    + cmd
                                    + "\n[simulator] still running after "
                                    + timeoutSeconds
                                    + " s: stopped\n"));
              }
              return Vertx.currentContext()
                  .owner()
                  .timer(Math.max(1, ms))
                  .map(t -> new PhaseResult(fail ? 1 : 0, output));
            });
  }

  private static JsonObject phaseRule(JsonObject config, String image) {
    JsonArray faults = config == null ? null : config.getJsonArray("faults");
    if (faults != null) {
      for (Object f : faults) {
        JsonObject rule = (JsonObject) f;
        if ((rule.containsKey("release_phase_fail") || rule.containsKey("release_phase_ms"))
            && FaultRule.from(rule).matches(image)) {
          return rule;
        }
      }
    }
    return new JsonObject();
  }

  @Override
  public Future<Void> setTraffic(Fence fence, Map<String, Integer> weights) {
    return fleet.setTraffic(fence, weights);
  }

  @Override
  public Future<FleetStatus> status(String instanceId) {
    return SimulatorStatus.read(pool, fleet, instanceId);
  }

  /**
   * The traffic model: the instance receives {@code requests_per_second} (default 100), split by
   * the current weights; the first fault rule matching the release's image sets its error rate and
   * latency. The numbers are exact, so a test knows what analysis will read.
   */
  @Override
  public Future<TrafficSample> traffic(String instanceId, String releaseId, int windowSeconds) {
    return status(instanceId)
        .compose(
            fleet ->
                pool.preparedQuery(SimulatorSql.CONFIG_AND_IMAGE)
                    .execute(Tuple.of(instanceId, releaseId))
                    .map(
                        rs -> {
                          Row row = rs.iterator().next();
                          SimulatorConfig config =
                              SimulatorConfig.from(row.getJsonObject("provider_config"));
                          int share = fleet.effectiveWeights().getOrDefault(releaseId, 0);
                          return config.traffic(row.getString("image"), share, windowSeconds);
                        }));
  }

  /** Transitions due by now are written first (under the fleet lock), so the page is complete. */
  @Override
  public Future<JsonObject> timeline(String instanceId, int limit, String cursor) {
    return fleet.caughtUp(instanceId).compose(v -> fleet.timelinePage(instanceId, limit, cursor));
  }
}
