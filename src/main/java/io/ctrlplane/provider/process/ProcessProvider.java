package io.ctrlplane.provider.process;

import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.StaleEpochException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real processes run by host agents. A runner never touches a process: it writes the desired state
 * (replicas placed on live agents, scheduled stops, traffic weights) in a transaction fenced by its
 * lease epoch, then calls the agents, which start, probe, drain and stop the processes and write
 * back what happened. A lost call costs at most one agent tick; a stale runner changes nothing.
 */
public final class ProcessProvider implements Provider {
  public static final String NAME = "process";
  private static final Logger log = LoggerFactory.getLogger(ProcessProvider.class);

  private final Pool pool;
  private final AgentClient agents;
  private final ProcessTimeline timeline;

  public ProcessProvider(Pool pool, AgentClient agents) {
    this.pool = pool;
    this.agents = agents;
    this.timeline = new ProcessTimeline(pool);
  }

  private interface Change {
    Future<Void> apply(SqlConnection conn, OffsetDateTime now, JsonObject weights);
  }

  /** Agents open secret_env on the host that runs the replicas: no runner holds the plaintext. */
  @Override
  public boolean opensSecrets() {
    return true;
  }

  @Override
  public Future<Void> runReplicas(Fence fence, ReleaseRef release, int count) {
    return change(
            fence,
            "run " + count + " replicas of " + release.id(),
            (conn, now, weights) ->
                conn.preparedQuery(ProcessSql.LIVE_BEST_FIRST)
                    .execute(Tuple.of(fence.instanceId(), release.id(), now))
                    .compose(
                        live ->
                            replaceUnhealthy(conn, fence, live, now)
                                .compose(
                                    v -> {
                                      List<Row> healthy = new ArrayList<>();
                                      live.forEach(
                                          r -> {
                                            if (!r.getBoolean("unhealthy")) {
                                              healthy.add(r);
                                            }
                                          });
                                      return keep(conn, fence, healthy, count, now)
                                          .compose(
                                              x ->
                                                  adopt(
                                                      conn,
                                                      fence,
                                                      release,
                                                      count - healthy.size(),
                                                      now))
                                          .compose(
                                              adopted ->
                                                  Placement.place(
                                                      conn,
                                                      fence,
                                                      release,
                                                      count - healthy.size() - adopted,
                                                      now));
                                    })))
        .compose(v -> nudgeAll());
  }

  @Override
  public Future<Void> stopReplicas(Fence fence, String releaseId, int keep, int delaySeconds) {
    return change(
            fence,
            "stop replicas of " + releaseId + " beyond " + keep,
            (conn, now, weights) ->
                conn.preparedQuery(ProcessSql.LIVE_BEST_FIRST)
                    .execute(Tuple.of(fence.instanceId(), releaseId, now))
                    .compose(
                        live -> {
                          List<String> ids = ids(live);
                          List<String> extra = ids.subList(Math.min(keep, ids.size()), ids.size());
                          return stop(conn, fence, extra, now.plusSeconds(delaySeconds), now);
                        }))
        .compose(v -> delaySeconds == 0 ? nudgeAll() : Future.succeededFuture());
  }

  @Override
  public Future<Void> setTraffic(Fence fence, Map<String, Integer> weights) {
    JsonObject wanted = new JsonObject(new LinkedHashMap<>(weights));
    return change(
            fence,
            "set traffic " + wanted.encode(),
            (conn, now, current) ->
                current.equals(wanted)
                    ? Future.succeededFuture()
                    : conn.preparedQuery(ProcessSql.SET_WEIGHTS)
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
                                    new JsonObject().put("weights", wanted))))
        // the weights count once the routers serve them: every live router reloads before we return
        .compose(v -> syncRouters(fence.instanceId()));
  }

  @Override
  public Future<FleetStatus> status(String instanceId) {
    return ProcessStatus.read(pool, instanceId);
  }

  /**
   * 5xx answers (and requests the routers could not place) over all requests, as the routers
   * counted them.
   */
  @Override
  public Future<Double> errorRate(String instanceId, String releaseId, int windowSeconds) {
    return pool.preparedQuery(ProcessSql.ERROR_RATE)
        .execute(Tuple.of(instanceId, releaseId, windowSeconds))
        .map(
            rs -> {
              Row row = rs.iterator().next();
              long requests = row.getLong("requests");
              return requests == 0 ? 0.0 : (double) row.getLong("errors") / requests;
            });
  }

  @Override
  public Future<JsonObject> timeline(String instanceId, int limit, String cursor) {
    return timeline.page(instanceId, limit, cursor);
  }

  /**
   * Failed and crashed replicas (and those of a lost agent) are stopped so that fresh ones replace
   * them.
   */
  private static Future<Void> replaceUnhealthy(
      SqlConnection conn, Fence fence, RowSet<Row> live, OffsetDateTime now) {
    List<String> sick = new ArrayList<>();
    live.forEach(
        r -> {
          if (r.getBoolean("unhealthy")) {
            sick.add(r.getString("id"));
          }
        });
    return stop(conn, fence, sick, now, now);
  }

  private static Future<Void> stop(
      SqlConnection conn, Fence fence, List<String> ids, OffsetDateTime at, OffsetDateTime now) {
    return ids.isEmpty()
        ? Future.succeededFuture()
        : conn.preparedQuery(ProcessSql.STOP)
            .execute(
                Tuple.of(ids.toArray(new String[0]), at, fence.deploymentId(), fence.epoch(), now))
            .mapEmpty();
  }

  /**
   * The first {@code count} healthy replicas keep running: a stop scheduled for them is cancelled.
   */
  private static Future<Void> keep(
      SqlConnection conn, Fence fence, List<Row> healthy, int count, OffsetDateTime now) {
    List<String> scheduled = new ArrayList<>();
    for (int i = 0; i < Math.min(count, healthy.size()); i++) {
      if (healthy.get(i).getOffsetDateTime("stop_at") != null) {
        scheduled.add(healthy.get(i).getString("id"));
      }
    }
    return scheduled.isEmpty()
        ? Future.succeededFuture()
        : conn.preparedQuery(ProcessSql.UNSCHEDULE)
            .execute(
                Tuple.of(
                    scheduled.toArray(new String[0]), now, fence.deploymentId(), fence.epoch()))
            .mapEmpty();
  }

  /**
   * A rollback repeats an earlier release: its processes still running (blue-green's old set in its
   * scale-down window) run the same image and env, so they become the rollback's own.
   */
  private static Future<Integer> adopt(
      SqlConnection conn, Fence fence, ReleaseRef release, int missing, OffsetDateTime now) {
    if (missing <= 0 || release.rollbackOf() == null) {
      return Future.succeededFuture(0);
    }
    return conn.preparedQuery(ProcessSql.ADOPTABLE)
        .execute(Tuple.of(fence.instanceId(), release.rollbackOf(), now, release.image()))
        .compose(
            rows -> {
              List<String> ids = ids(rows);
              List<String> taken = ids.subList(0, Math.min(missing, ids.size()));
              return taken.isEmpty()
                  ? Future.succeededFuture(0)
                  : conn.preparedQuery(ProcessSql.ADOPT)
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

  private Future<Void> change(Fence fence, String what, Change change) {
    return pool.withTransaction(
            conn ->
                fence
                    .staleness(conn)
                    .compose(
                        stale ->
                            lock(conn, fence.instanceId())
                                .compose(
                                    locked ->
                                        (stale != null
                                                ? refuse(conn, fence, what, stale, locked.now())
                                                : change.apply(
                                                    conn, locked.now(), locked.weights()))
                                            .map(stale))))
        .compose(
            stale -> {
              if (stale == null) {
                return Future.succeededFuture();
              }
              log.warn(
                  "process provider refused '{}' from deployment {} epoch {}: {}",
                  what,
                  fence.deploymentId(),
                  fence.epoch(),
                  stale);
              return Future.failedFuture(new StaleEpochException(fence, stale));
            });
  }

  private record Locked(JsonObject weights, OffsetDateTime now) {}

  private static Future<Locked> lock(SqlConnection conn, String instanceId) {
    return conn.preparedQuery(ProcessSql.LOCK)
        .execute(Tuple.of(instanceId))
        .compose(
            locked ->
                conn.preparedQuery(ProcessSql.NOW)
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
    return conn.preparedQuery(ProcessSql.REFUSED)
        .execute(Tuple.of(fence.instanceId(), now, fence.deploymentId(), fence.epoch(), detail))
        .mapEmpty();
  }

  private static Future<Void> event(
      SqlConnection conn,
      Fence fence,
      OffsetDateTime now,
      String kind,
      String replicaId,
      String releaseId,
      JsonObject detail) {
    return conn.preparedQuery(ProcessSql.EVENT)
        .execute(
            Tuple.from(
                new Object[] {
                  fence.instanceId(),
                  now,
                  kind,
                  replicaId,
                  releaseId,
                  null,
                  fence.deploymentId(),
                  fence.epoch(),
                  detail
                }))
        .mapEmpty();
  }

  /** Wakes every live agent; one that misses the call finds the change at its next tick anyway. */
  private Future<Void> nudgeAll() {
    return AgentClient.liveUrls(pool)
        .compose(
            urls ->
                Future.join(
                    urls.stream()
                        .map(
                            url ->
                                agents
                                    .reconcile(url)
                                    .onFailure(
                                        e ->
                                            log.debug(
                                                "agent {} not nudged: {}", url, e.toString())))
                        .toList()))
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
  }

  private Future<Void> syncRouters(String instanceId) {
    return AgentClient.liveUrls(pool)
        .compose(
            urls ->
                Future.join(
                    urls.stream()
                        .map(
                            url ->
                                agents
                                    .syncRoutes(url, instanceId, 0)
                                    .onFailure(
                                        e ->
                                            log.warn(
                                                "router of agent {} did not resync for instance {}: {}",
                                                url,
                                                instanceId,
                                                e.toString())))
                        .toList()))
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
  }

  private static List<String> ids(RowSet<Row> rows) {
    List<String> ids = new ArrayList<>();
    rows.forEach(r -> ids.add(r.getString("id")));
    return ids;
  }
}
