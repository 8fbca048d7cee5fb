package io.ctrlplane.provider.simulator;

import io.ctrlplane.deploy.Ids;
import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.fleet.FleetChange;
import io.ctrlplane.provider.fleet.FleetTables;
import io.ctrlplane.provider.fleet.Infrastructure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What the simulator adds to the fenced fleet: a replica is a row whose start, readiness, failure
 * and crash times are fixed at creation from the instance's {@code provider_config}, and those
 * transitions are written to the timeline once their time has come, under the fleet lock, at the
 * time they happened (so {@code seq} order is time order). A stop asked for now is recorded when it
 * takes effect ({@code replica.stopped}); one in the future is recorded as scheduled at once.
 */
final class SimulatedReplicas implements Infrastructure {
  static final FleetTables TABLES =
      new FleetTables(
          "sim",
          "",
          "NOT r.settled",
          "(r.failed_at <= $3 OR r.crash_at <= $3)",
          "r.ready_at <= $3",
          List.of(),
          "",
          "replica.stop_scheduled",
          false);

  @Override
  public String label() {
    return "simulator";
  }

  @Override
  public FleetTables tables() {
    return TABLES;
  }

  @Override
  public String describe(ReleaseRef release) {
    return "v" + release.version();
  }

  @Override
  public Future<Void> catchUp(SqlConnection conn, String instanceId, OffsetDateTime now) {
    return conn.preparedQuery(SimulatorSql.MATERIALIZE)
        .execute(Tuple.of(instanceId, now))
        .mapEmpty();
  }

  @Override
  public Future<Void> create(FleetChange change, ReleaseRef release, int missing) {
    Fence fence = change.fence();
    return change
        .conn()
        .preparedQuery(SimulatorSql.CONFIG)
        .execute(Tuple.of(fence.instanceId()))
        .compose(
            rs -> {
              SimulatorConfig config =
                  SimulatorConfig.from(rs.iterator().next().getJsonObject("provider_config"));
              FaultRule fault = config.faultFor(release.image());
              List<Tuple> replicas = new ArrayList<>();
              List<Tuple> events = new ArrayList<>();
              for (int i = 0; i < missing; i++) {
                String id = Ids.next("rep");
                replicas.add(replica(id, fence, release, config, fault, change.now()));
                events.add(
                    change.entry(
                        "replica.created",
                        id,
                        release.id(),
                        new JsonObject()
                            .put("image", release.image())
                            // what a real provider would pass to the process; the simulator keeps
                            // the names, never the values
                            .put(
                                "env_names",
                                new JsonArray(
                                    new ArrayList<>(new TreeSet<>(release.env().keySet()))))));
              }
              return change
                  .conn()
                  .preparedQuery(SimulatorSql.INSERT_REPLICA)
                  .executeBatch(replicas)
                  .compose(ok -> change.record(events));
            });
  }

  /** A replica's whole life, decided now: when it starts (or fails to), becomes ready, crashes. */
  private static Tuple replica(
      String id,
      Fence fence,
      ReleaseRef release,
      SimulatorConfig config,
      FaultRule fault,
      OffsetDateTime now) {
    OffsetDateTime upAt = now.plus(Duration.ofMillis(config.startDelayMs()));
    OffsetDateTime startedAt = fault.failStart() ? null : upAt;
    OffsetDateTime failedAt = fault.failStart() ? upAt : null;
    OffsetDateTime readyAt =
        startedAt == null || fault.neverReady()
            ? null
            : startedAt.plus(Duration.ofMillis(config.readyDelayMs()));
    OffsetDateTime crashAt =
        startedAt == null || fault.crashAfterSeconds() == null
            ? null
            : startedAt.plus(Duration.ofMillis(Math.round(fault.crashAfterSeconds() * 1000)));
    return Tuple.from(
        new Object[] {
          id,
          fence.instanceId(),
          release.id(),
          release.image(),
          fence.deploymentId(),
          fence.epoch(),
          now,
          startedAt,
          failedAt,
          readyAt,
          crashAt
        });
  }
}
