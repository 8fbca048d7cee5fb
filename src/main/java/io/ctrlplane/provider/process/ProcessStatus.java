package io.ctrlplane.provider.process;

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

/**
 * What runs, as the agents last wrote it. A replica on an agent that stopped heartbeating counts as
 * crashed: the host is gone, and a strategy must not wait for it.
 */
final class ProcessStatus {
  private ProcessStatus() {}

  static Future<FleetStatus> read(
      Pool pool, FencedFleet fleet, String instanceId, String provider) {
    return fleet
        .observe(instanceId)
        .compose(
            observed -> {
              Tuple at = Tuple.of(instanceId, observed.now());
              return pool.preparedQuery(ProcessSql.REPLICAS)
                  .execute(at)
                  .compose(
                      rows ->
                          pool.preparedQuery(ProcessSql.STOPPING)
                              .execute(at)
                              .map(
                                  stopping -> {
                                    List<Replica> replicas = new ArrayList<>();
                                    rows.forEach(r -> replicas.add(replica(r)));
                                    JsonObject details =
                                        new JsonObject()
                                            .put("refused_actions", observed.refusedActions())
                                            .put(
                                                "stopping_replicas",
                                                stopping.iterator().next().getLong("n"));
                                    return new FleetStatus(
                                        instanceId,
                                        provider,
                                        observed.now().toInstant(),
                                        replicas,
                                        observed.weights(),
                                        details);
                                  }));
            });
  }

  private static Replica replica(Row r) {
    ReplicaStatus status = status(r);
    String reason = r.getString("reason");
    if (r.getBoolean("agent_gone")
        && r.getOffsetDateTime("failed_at") == null
        && r.getOffsetDateTime("crashed_at") == null) {
      reason = "agent " + r.getString("agent_id") + " stopped heartbeating";
    }
    JsonObject details =
        new JsonObject()
            .put("agent_id", r.getString("agent_id"))
            .put("port", r.getInteger("port"))
            .put("pid", r.getLong("pid"));
    if (r.getString("container_id") != null) {
      details
          .put("container_id", r.getString("container_id"))
          .put("image_id", r.getString("image_id"))
          .put("engine_state", r.getString("engine_state"));
    }
    return new Replica(
        r.getString("id"),
        r.getString("release_id"),
        r.getInteger("version"),
        r.getString("image"),
        status,
        instant(r, "created_at"),
        status == ReplicaStatus.READY ? instant(r, "ready_at") : null,
        instant(r, "stop_at"),
        r.getString("deployment_id"),
        r.getLong("epoch"),
        status.unhealthy() ? reason : null,
        details);
  }

  private static ReplicaStatus status(Row r) {
    if (r.getOffsetDateTime("failed_at") != null) {
      return ReplicaStatus.FAILED;
    }
    if (r.getOffsetDateTime("crashed_at") != null || r.getBoolean("agent_gone")) {
      return ReplicaStatus.CRASHED;
    }
    if (r.getOffsetDateTime("ready_at") != null) {
      return ReplicaStatus.READY;
    }
    return r.getOffsetDateTime("started_at") != null
        ? ReplicaStatus.RUNNING
        : ReplicaStatus.STARTING;
  }

  private static Instant instant(Row r, String column) {
    OffsetDateTime t = r.getOffsetDateTime(column);
    return t == null ? null : t.toInstant();
  }
}
