package io.ctrlplane.provider.simulator;

import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.fleet.FencedFleet;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
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
  public Future<Void> setTraffic(Fence fence, Map<String, Integer> weights) {
    return fleet.setTraffic(fence, weights);
  }

  @Override
  public Future<FleetStatus> status(String instanceId) {
    return SimulatorStatus.read(pool, fleet, instanceId);
  }

  @Override
  public Future<Double> errorRate(String instanceId, String releaseId, int windowSeconds) {
    return pool.preparedQuery(SimulatorSql.CONFIG_AND_IMAGE)
        .execute(Tuple.of(instanceId, releaseId))
        .map(
            rs -> {
              Row row = rs.iterator().next();
              return SimulatorConfig.from(row.getJsonObject("provider_config"))
                  .faultFor(row.getString("image"))
                  .errorRate();
            });
  }

  /** Transitions due by now are written first (under the fleet lock), so the page is complete. */
  @Override
  public Future<JsonObject> timeline(String instanceId, int limit, String cursor) {
    return fleet.caughtUp(instanceId).compose(v -> fleet.timelinePage(instanceId, limit, cursor));
  }
}
