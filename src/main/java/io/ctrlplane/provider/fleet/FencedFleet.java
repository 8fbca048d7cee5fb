package io.ctrlplane.provider.fleet;

import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.StaleEpochException;
import io.ctrlplane.provider.TimelinePages;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desired state of one provider's fleets, changed only under a deployment's lease. Each change
 * is one transaction: fence check (the deployment's epoch, row held FOR SHARE so a claim cannot
 * move it meanwhile), the fleet row lock (changes to one fleet are serial), the clock read after
 * the lock, then the change itself. A change from a stale epoch changes nothing: it is counted and
 * recorded ({@code action.refused}) and fails with {@link StaleEpochException}. Providers differ
 * only in their {@link Infrastructure}.
 */
public final class FencedFleet {
  private static final Logger log = LoggerFactory.getLogger(FencedFleet.class);

  private final Pool pool;
  private final Infrastructure infra;
  private final FleetSql sql;
  private final int carried;

  public FencedFleet(Pool pool, Infrastructure infra) {
    this.pool = pool;
    this.infra = infra;
    this.sql = new FleetSql(infra.tables());
    this.carried = infra.tables().carried().size();
  }

  /** A change to the fleet, run under the fleet lock; {@code weights} as they are now. */
  public interface Step {
    Future<Void> apply(FleetChange change, JsonObject weights);
  }

  /** The fleet row as of now: the database's clock, the weights and the refused changes. */
  public record Observed(OffsetDateTime now, Map<String, Integer> weights, long refusedActions) {}

  /**
   * At least {@code count} healthy replicas of the release, not scheduled to stop: failed and
   * crashed ones are stopped (to be replaced), scheduled stops of the first {@code count} healthy
   * ones cancelled, a rollback adopts its original's replicas, and the infrastructure creates the
   * rest.
   */
  public Future<Void> runReplicas(Fence fence, ReleaseRef release, int count) {
    return change(
        fence,
        "run " + count + " replicas of " + infra.describe(release),
        (c, weights) ->
            live(c, release.id())
                .compose(
                    live -> {
                      List<Row> sick = new ArrayList<>();
                      List<Row> healthy = new ArrayList<>();
                      live.forEach(r -> (r.getBoolean("unhealthy") ? sick : healthy).add(r));
                      return stop(c, ids(sick), c.now())
                          .compose(v -> keep(c, healthy, count))
                          .compose(v -> adopt(c, release, count - healthy.size()))
                          .compose(
                              adopted -> {
                                int missing = count - healthy.size() - adopted;
                                return missing <= 0
                                    ? Future.succeededFuture()
                                    : infra.create(c, release, missing);
                              });
                    }));
  }

  /**
   * At most {@code keep} replicas of the release keep running; the others (unhealthy and not yet
   * ready ones first) stop after {@code delaySeconds}, at once when 0.
   */
  public Future<Void> stopReplicas(Fence fence, String releaseId, int keep, int delaySeconds) {
    return change(
        fence,
        "stop replicas of " + releaseId + " beyond " + keep,
        (c, weights) ->
            live(c, releaseId)
                .compose(
                    live -> {
                      List<String> ids = ids(live);
                      List<String> extra = ids.subList(Math.min(keep, ids.size()), ids.size());
                      return stop(c, extra, c.now().plusSeconds(delaySeconds));
                    }));
  }

  /**
   * A new generation of the release's replicas: at least {@code count} healthy replicas of it
   * started under this fence's deployment (a restart), whatever else runs. Failed and crashed
   * replicas of the generation are stopped (to be replaced), scheduled stops of its healthy ones
   * cancelled, and the infrastructure creates the rest. Replicas of earlier generations are left
   * alone: {@link #retireReplicas} stops them once the new ones serve.
   */
  public Future<Void> renewReplicas(Fence fence, ReleaseRef release, int count) {
    return change(
        fence,
        "renew " + count + " replicas of " + infra.describe(release),
        (c, weights) ->
            live(c, release.id())
                .compose(
                    live -> {
                      List<Row> sick = new ArrayList<>();
                      List<Row> healthy = new ArrayList<>();
                      for (Row r : live) {
                        if (fence.deploymentId().equals(r.getString("deployment_id"))) {
                          (r.getBoolean("unhealthy") ? sick : healthy).add(r);
                        }
                      }
                      int missing = count - healthy.size();
                      return stop(c, ids(sick), c.now())
                          .compose(v -> keep(c, healthy, count))
                          .compose(
                              v ->
                                  missing <= 0
                                      ? Future.succeededFuture()
                                      : infra.create(c, release, missing));
                    }));
  }

  /**
   * At most {@code keep} replicas of the release started before this fence's deployment (an earlier
   * generation) keep running; the others (unhealthy and not yet ready ones first) stop now, through
   * the provider's drain.
   */
  public Future<Void> retireReplicas(Fence fence, String releaseId, int keep) {
    return change(
        fence,
        "retire replicas of " + releaseId + " beyond " + keep + " of earlier generations",
        (c, weights) ->
            live(c, releaseId)
                .compose(
                    live -> {
                      List<String> older = new ArrayList<>();
                      for (Row r : live) {
                        if (!fence.deploymentId().equals(r.getString("deployment_id"))) {
                          older.add(r.getString("id"));
                        }
                      }
                      return stop(
                          c, older.subList(Math.min(keep, older.size()), older.size()), c.now());
                    }));
  }

  /** Traffic weights per release id; the same weights again change and record nothing. */
  public Future<Void> setTraffic(Fence fence, Map<String, Integer> weights) {
    JsonObject wanted = new JsonObject(new LinkedHashMap<>(weights));
    return change(
        fence,
        "set traffic " + wanted.encode(),
        (c, current) ->
            current.equals(wanted)
                ? Future.succeededFuture()
                : c.conn()
                    .preparedQuery(sql.setWeights)
                    .execute(Tuple.of(c.fence().instanceId(), wanted, c.now()))
                    .compose(
                        ok ->
                            c.record(
                                List.of(
                                    c.entry(
                                        "traffic.set",
                                        null,
                                        null,
                                        new JsonObject().put("weights", wanted))))));
  }

  /**
   * Runs {@code step} in one transaction under the fence and the fleet lock; a stale fence runs
   * nothing of it, and the refusal is recorded instead.
   */
  public Future<Void> change(Fence fence, String what, Step step) {
    return pool.withTransaction(
            conn ->
                fence
                    .staleness(conn)
                    .compose(stale -> underLock(conn, fence, what, step, stale).map(stale)))
        .compose(stale -> stale == null ? Future.succeededFuture() : refused(fence, what, stale));
  }

  /**
   * Under the fleet lock, at the clock read after it: the infrastructure catches up, then the step
   * runs (and it catches up again), or, for a stale fence, the refusal is counted and recorded.
   */
  private Future<Void> underLock(
      SqlConnection conn, Fence fence, String what, Step step, String stale) {
    return lock(conn, fence.instanceId())
        .compose(
            locked -> {
              FleetChange c = new FleetChange(conn, fence, locked.now(), sql, carried);
              return catchUp(c)
                  .compose(
                      v ->
                          stale != null
                              ? refuse(c, what, stale)
                              : step.apply(c, locked.weights()).compose(x -> catchUp(c)));
            });
  }

  /**
   * Records a change the infrastructure itself refused for a stale lease (the kubernetes provider:
   * an object already written under a newer epoch), as a stale fence is recorded, and fails with
   * {@link StaleEpochException}.
   */
  public Future<Void> refusedByInfrastructure(Fence fence, String what, String why) {
    return pool.withTransaction(
            conn ->
                lock(conn, fence.instanceId())
                    .compose(
                        locked ->
                            refuse(
                                new FleetChange(conn, fence, locked.now(), sql, carried),
                                what,
                                why)))
        .compose(v -> refused(fence, what, why));
  }

  private Future<Void> refused(Fence fence, String what, String stale) {
    log.warn(
        "{} refused '{}' from deployment {} epoch {}: {}",
        infra.label(),
        what,
        fence.deploymentId(),
        fence.epoch(),
        stale);
    return Future.failedFuture(new StaleEpochException(fence, stale));
  }

  /**
   * Takes the fleet lock and lets the infrastructure catch up to now, so that a read that follows
   * sees every transition due (seq order stays time order).
   */
  public Future<Void> caughtUp(String instanceId) {
    return pool.withTransaction(
        conn ->
            lock(conn, instanceId)
                .compose(locked -> infra.catchUp(conn, instanceId, locked.now())));
  }

  /** The fleet row now; a fleet never changed has no weights and no refusals. */
  public Future<Observed> observe(String instanceId) {
    return pool.preparedQuery(sql.fleet)
        .execute(Tuple.of(instanceId))
        .map(
            rows -> {
              Row f = rows.iterator().next();
              JsonObject weights = f.getJsonObject("weights");
              Map<String, Integer> w = new HashMap<>();
              if (weights != null) {
                weights.forEach(e -> w.put(e.getKey(), ((Number) e.getValue()).intValue()));
              }
              Long refused = f.getLong("refused_actions");
              return new Observed(f.getOffsetDateTime("now"), w, refused == null ? 0 : refused);
            });
  }

  /** One page of the timeline, oldest first, as it is recorded now. */
  public Future<JsonObject> timelinePage(String instanceId, int limit, String cursor) {
    return TimelinePages.page(pool, sql.timelinePage, instanceId, limit, cursor);
  }

  private Future<Void> catchUp(FleetChange c) {
    return infra.catchUp(c.conn(), c.fence().instanceId(), c.now());
  }

  /** The fleet row's weights and the transaction's time, read once the row is locked. */
  private record Locked(JsonObject weights, OffsetDateTime now) {}

  /**
   * Locks the fleet row, then reads the clock: a time read after the lock orders changes by time.
   */
  private Future<Locked> lock(SqlConnection conn, String instanceId) {
    return conn.preparedQuery(sql.lock)
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

  private Future<Void> refuse(FleetChange c, String what, String why) {
    JsonObject detail = new JsonObject().put("action", what).put("reason", why);
    Fence fence = c.fence();
    return c.conn()
        .preparedQuery(sql.refused)
        .execute(Tuple.of(fence.instanceId(), c.now(), fence.deploymentId(), fence.epoch(), detail))
        .mapEmpty();
  }

  private Future<RowSet<Row>> live(FleetChange c, String releaseId) {
    return c.conn()
        .preparedQuery(sql.liveBestFirst)
        .execute(Tuple.of(c.fence().instanceId(), releaseId, c.now()));
  }

  private Future<Void> stop(FleetChange c, List<String> ids, OffsetDateTime at) {
    Fence fence = c.fence();
    return ids.isEmpty()
        ? Future.succeededFuture()
        : c.conn()
            .preparedQuery(sql.stop)
            .execute(
                Tuple.of(
                    ids.toArray(new String[0]), at, fence.deploymentId(), fence.epoch(), c.now()))
            .mapEmpty();
  }

  /**
   * The first {@code count} healthy replicas keep running: a stop scheduled for them is cancelled.
   */
  private Future<Void> keep(FleetChange c, List<Row> healthy, int count) {
    List<String> scheduled = new ArrayList<>();
    for (Row row : healthy.subList(0, Math.min(count, healthy.size()))) {
      if (row.getOffsetDateTime("stop_at") != null) {
        scheduled.add(row.getString("id"));
      }
    }
    Fence fence = c.fence();
    return scheduled.isEmpty()
        ? Future.succeededFuture()
        : c.conn()
            .preparedQuery(sql.unschedule)
            .execute(
                Tuple.of(
                    scheduled.toArray(new String[0]), c.now(), fence.deploymentId(), fence.epoch()))
            .mapEmpty();
  }

  /**
   * A rollback repeats an earlier release: its replicas still running with the same image (say,
   * blue-green's old set in its scale-down window) become the rollback's own, their scheduled stop
   * cancelled, instead of new ones being started. Returns how many were adopted.
   */
  private Future<Integer> adopt(FleetChange c, ReleaseRef release, int missing) {
    if (missing <= 0 || release.rollbackOf() == null) {
      return Future.succeededFuture(0);
    }
    Fence fence = c.fence();
    return c.conn()
        .preparedQuery(sql.adoptable)
        .execute(Tuple.of(fence.instanceId(), release.rollbackOf(), c.now(), release.image()))
        .compose(
            rows -> {
              List<String> ids = ids(rows);
              List<String> taken = ids.subList(0, Math.min(missing, ids.size()));
              return taken.isEmpty()
                  ? Future.succeededFuture(0)
                  : c.conn()
                      .preparedQuery(sql.adopt)
                      .execute(
                          Tuple.from(
                              new Object[] {
                                taken.toArray(new String[0]),
                                release.id(),
                                c.now(),
                                fence.deploymentId(),
                                fence.epoch(),
                                release.rollbackOf()
                              }))
                      .map(taken.size());
            });
  }

  private static List<String> ids(Iterable<Row> rows) {
    List<String> ids = new ArrayList<>();
    rows.forEach(r -> ids.add(r.getString("id")));
    return ids;
  }
}
