package io.ctrlplane.provider.simulator;

import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.Replica;
import io.ctrlplane.provider.ReplicaStatus;
import io.ctrlplane.provider.fleet.FencedFleet;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Reads the simulated fleet at the database's current time; statuses come from the timestamps. */
final class SimulatorStatus {
  private SimulatorStatus() {}

  static Future<FleetStatus> read(Pool pool, FencedFleet fleet, String instanceId) {
    return fleet
        .observe(instanceId)
        .compose(
            observed ->
                pool.preparedQuery(SimulatorSql.REPLICAS)
                    .execute(Tuple.of(instanceId, observed.now()))
                    .map(
                        rows -> {
                          Instant now = observed.now().toInstant();
                          List<Replica> replicas = new ArrayList<>();
                          rows.forEach(r -> replicas.add(replica(r, now)));
                          JsonObject details =
                              new JsonObject()
                                  .put("simulated", true)
                                  .put("refused_actions", observed.refusedActions());
                          return new FleetStatus(
                              instanceId,
                              SimulatorProvider.NAME,
                              now,
                              replicas,
                              observed.weights(),
                              details);
                        }));
  }

  static Replica replica(Row r, Instant now) {
    Instant readyAt = instant(r, "ready_at");
    ReplicaStatus status =
        statusAt(
            now,
            instant(r, "started_at"),
            instant(r, "failed_at"),
            readyAt,
            instant(r, "crash_at"),
            instant(r, "stop_at"));
    return new Replica(
        r.getString("id"),
        r.getString("release_id"),
        r.getInteger("version"),
        r.getString("image"),
        status,
        instant(r, "created_at"),
        status == ReplicaStatus.READY ? readyAt : null,
        instant(r, "stop_at"),
        r.getString("deployment_id"),
        r.getLong("epoch"));
  }

  static ReplicaStatus statusAt(
      Instant now,
      Instant startedAt,
      Instant failedAt,
      Instant readyAt,
      Instant crashAt,
      Instant stopAt) {
    if (reached(stopAt, now)) {
      return ReplicaStatus.STOPPED;
    }
    if (reached(failedAt, now)) {
      return ReplicaStatus.FAILED;
    }
    if (reached(crashAt, now)) {
      return ReplicaStatus.CRASHED;
    }
    if (reached(readyAt, now)) {
      return ReplicaStatus.READY;
    }
    return reached(startedAt, now) ? ReplicaStatus.RUNNING : ReplicaStatus.STARTING;
  }

  private static boolean reached(Instant t, Instant now) {
    return t != null && !t.isAfter(now);
  }

  private static Instant instant(Row r, String column) {
    OffsetDateTime t = r.getOffsetDateTime(column);
    return t == null ? null : t.toInstant();
  }
}
