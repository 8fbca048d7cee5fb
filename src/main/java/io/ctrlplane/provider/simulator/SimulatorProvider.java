package io.ctrlplane.provider.simulator;

import io.ctrlplane.deploy.Ids;
import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.StaleEpochException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated fleet, honest about being one: no process runs anywhere. Replicas are rows whose
 * start, readiness, failure and crash times are fixed at creation from the instance's {@code
 * provider_config}, so their status at any moment is read off timestamps. The state lives in
 * PostgreSQL, so any runner can carry on what another started, and every change is appended to a
 * timeline with its time, from which tests prove what was serving when.
 *
 * <p>Each change is one transaction: fence check (the deployment's epoch, row held FOR SHARE so a
 * claim cannot move it meanwhile), the fleet row lock (changes to one fleet are serial), the
 * transitions due so far written to the timeline, then the change itself.
 */
public final class SimulatorProvider implements Provider {
  private static final Logger log = LoggerFactory.getLogger(SimulatorProvider.class);
  public static final String NAME = "simulator";

  private final Pool pool;
  private final SimulatorTimeline timeline;

  public SimulatorProvider(Pool pool) {
    this.pool = pool;
    this.timeline = new SimulatorTimeline(pool);
  }

  /** A change to the fleet, run under the fleet lock at the transaction's time. */
  private interface Change {
    Future<Void> apply(SqlConnection conn, OffsetDateTime now, JsonObject weights);
  }

  @Override
  public Future<Void> runReplicas(Fence fence, ReleaseRef release, int count) {
    return change(
        fence,
        "run " + count + " replicas of v" + release.version(),
        (conn, now, weights) ->
            conn.preparedQuery(FleetSql.STOP_UNHEALTHY)
                .execute(
                    Tuple.of(
                        fence.instanceId(), release.id(), now, fence.deploymentId(), fence.epoch()))
                .compose(
                    ok ->
                        conn.preparedQuery(FleetSql.HEALTHY)
                            .execute(Tuple.of(fence.instanceId(), release.id(), now)))
                .compose(
                    healthy ->
                        keep(conn, fence, healthy, count, now)
                            .compose(v -> adopt(conn, fence, release, count - healthy.size(), now))
                            .compose(
                                adopted ->
                                    start(
                                        conn,
                                        fence,
                                        release,
                                        count - healthy.size() - adopted,
                                        now))));
  }

  @Override
  public Future<Void> stopReplicas(Fence fence, String releaseId, int keep, int delaySeconds) {
    return change(
        fence,
        "stop replicas of " + releaseId + " beyond " + keep,
        (conn, now, weights) ->
            conn.preparedQuery(FleetSql.LIVE_BEST_FIRST)
                .execute(Tuple.of(fence.instanceId(), releaseId, now))
                .compose(
                    live -> {
                      List<String> extra =
                          ids(live).subList(Math.min(keep, live.size()), live.size());
                      if (extra.isEmpty()) {
                        return Future.succeededFuture();
                      }
                      OffsetDateTime stopAt = now.plusSeconds(delaySeconds);
                      return conn.preparedQuery(FleetSql.STOP)
                          .execute(
                              Tuple.of(
                                  extra.toArray(new String[0]),
                                  stopAt,
                                  fence.deploymentId(),
                                  fence.epoch(),
                                  now))
                          .mapEmpty();
                    }));
  }

  @Override
  public Future<Void> setTraffic(Fence fence, Map<String, Integer> weights) {
    JsonObject wanted = new JsonObject(new java.util.LinkedHashMap<>(weights));
    return change(
        fence,
        "set traffic " + wanted.encode(),
        (conn, now, current) ->
            current.equals(wanted)
                ? Future.succeededFuture()
                : conn.preparedQuery(FleetSql.SET_WEIGHTS)
                    .execute(Tuple.of(fence.instanceId(), wanted, now))
                    .compose(
                        ok ->
                            event(
                                conn,
                                fence,
                                now,
                                "traffic.set",
                                null,
                                null,
                                new JsonObject().put("weights", wanted))));
  }

  @Override
  public Future<FleetStatus> status(String instanceId) {
    return SimulatorStatus.read(pool, instanceId);
  }

  @Override
  public Future<Double> errorRate(String instanceId, String releaseId, int windowSeconds) {
    return pool.preparedQuery(FleetSql.CONFIG_AND_IMAGE)
        .execute(Tuple.of(instanceId, releaseId))
        .map(
            rs -> {
              Row row = rs.iterator().next();
              return SimulatorConfig.from(row.getJsonObject("provider_config"))
                  .faultFor(row.getString("image"))
                  .errorRate();
            });
  }

  @Override
  public Future<JsonObject> timeline(String instanceId, int limit, String cursor) {
    return timeline.page(instanceId, limit, cursor);
  }

  private Future<Void> change(Fence fence, String what, Change change) {
    return pool.withTransaction(
            conn ->
                fence
                    .staleness(conn)
                    .compose(
                        stale ->
                            lock(conn, fence.instanceId())
                                .compose(
                                    locked -> {
                                      OffsetDateTime now = locked.now();
                                      Future<Void> applied =
                                          SimulatorTimeline.materialize(
                                                  conn, fence.instanceId(), now)
                                              .compose(
                                                  v ->
                                                      stale != null
                                                          ? refuse(conn, fence, what, stale, now)
                                                          : change
                                                              .apply(conn, now, locked.weights())
                                                              .compose(
                                                                  x ->
                                                                      SimulatorTimeline.materialize(
                                                                          conn,
                                                                          fence.instanceId(),
                                                                          now)));
                                      return applied.map(stale);
                                    })))
        .compose(
            stale -> {
              if (stale == null) {
                return Future.succeededFuture();
              }
              log.warn(
                  "simulator refused '{}' from deployment {} epoch {}: {}",
                  what,
                  fence.deploymentId(),
                  fence.epoch(),
                  stale);
              return Future.failedFuture(new StaleEpochException(fence, stale));
            });
  }

  /** The fleet row's weights and the transaction's time, read once the row is locked. */
  private record Locked(JsonObject weights, OffsetDateTime now) {}

  /**
   * Locks the fleet row, then reads the clock: a time read after the lock orders changes by time.
   */
  private static Future<Locked> lock(SqlConnection conn, String instanceId) {
    return conn.preparedQuery(FleetSql.LOCK)
        .execute(Tuple.of(instanceId))
        .compose(
            locked ->
                conn.preparedQuery(FleetSql.NOW)
                    .execute()
                    .map(
                        now ->
                            new Locked(
                                locked.iterator().next().getJsonObject("weights"),
                                now.iterator().next().getOffsetDateTime("now"))));
  }

  private static Future<Void> refuse(
      SqlConnection conn, Fence fence, String what, String why, OffsetDateTime now) {
    JsonObject detail = new JsonObject().put("action", what).put("reason", why);
    return conn.preparedQuery(FleetSql.REFUSED)
        .execute(Tuple.of(fence.instanceId(), now, fence.deploymentId(), fence.epoch(), detail))
        .mapEmpty();
  }

  private static Future<Void> keep(
      SqlConnection conn, Fence fence, RowSet<Row> healthy, int count, OffsetDateTime now) {
    List<String> scheduled = new ArrayList<>();
    int n = 0;
    for (Row row : healthy) {
      if (n++ < count && row.getOffsetDateTime("stop_at") != null) {
        scheduled.add(row.getString("id"));
      }
    }
    return scheduled.isEmpty()
        ? Future.succeededFuture()
        : conn.preparedQuery(FleetSql.UNSCHEDULE)
            .execute(
                Tuple.of(
                    scheduled.toArray(new String[0]), now, fence.deploymentId(), fence.epoch()))
            .mapEmpty();
  }

  /**
   * A rollback repeats an earlier release: its replicas still running (say, blue-green's old set in
   * its scale-down window) become the rollback's own, with their scheduled stop cancelled, instead
   * of new ones being started. Returns how many were adopted.
   */
  private static Future<Integer> adopt(
      SqlConnection conn, Fence fence, ReleaseRef release, int missing, OffsetDateTime now) {
    if (missing <= 0 || release.rollbackOf() == null) {
      return Future.succeededFuture(0);
    }
    return conn.preparedQuery(FleetSql.ADOPTABLE)
        .execute(Tuple.of(fence.instanceId(), release.rollbackOf(), now, release.image()))
        .compose(
            rows -> {
              List<String> ids = ids(rows);
              List<String> taken = ids.subList(0, Math.min(missing, ids.size()));
              if (taken.isEmpty()) {
                return Future.succeededFuture(0);
              }
              return conn.preparedQuery(FleetSql.ADOPT)
                  .execute(
                      Tuple.from(
                          new Object[] {
                            taken.toArray(new String[0]),
                            release.id(),
                            now,
                            fence.deploymentId(),
                            fence.epoch(),
                            release.rollbackOf()
                          }))
                  .map(taken.size());
            });
  }

  private static Future<Void> start(
      SqlConnection conn, Fence fence, ReleaseRef release, int missing, OffsetDateTime now) {
    if (missing <= 0) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(FleetSql.CONFIG)
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
                replicas.add(replica(id, fence, release, config, fault, now));
                events.add(
                    Tuple.from(
                        new Object[] {
                          fence.instanceId(),
                          now,
                          "replica.created",
                          id,
                          release.id(),
                          fence.deploymentId(),
                          fence.epoch(),
                          new JsonObject()
                              .put("image", release.image())
                              // what a real provider would pass to the process; the simulator keeps
                              // the names, never the values
                              .put(
                                  "env_names",
                                  new JsonArray(
                                      new ArrayList<>(new TreeSet<>(release.env().keySet()))))
                        }));
              }
              return conn.preparedQuery(FleetSql.INSERT_REPLICA)
                  .executeBatch(replicas)
                  .compose(ok -> conn.preparedQuery(FleetSql.EVENT).executeBatch(events))
                  .mapEmpty();
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

  private static Future<Void> event(
      SqlConnection conn,
      Fence fence,
      OffsetDateTime now,
      String kind,
      String replicaId,
      String releaseId,
      JsonObject detail) {
    return conn.preparedQuery(FleetSql.EVENT)
        .execute(
            Tuple.from(
                new Object[] {
                  fence.instanceId(),
                  now,
                  kind,
                  replicaId,
                  releaseId,
                  fence.deploymentId(),
                  fence.epoch(),
                  detail
                }))
        .mapEmpty();
  }

  private static List<String> ids(RowSet<Row> rows) {
    List<String> ids = new ArrayList<>();
    rows.forEach(r -> ids.add(r.getString("id")));
    return ids;
  }
}
