package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.Event;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Claims, heartbeats and gives back deployments. A claim bumps {@code lease_epoch}; every later
 * write names that epoch, so a runner that lost its lease (paused, partitioned, presumed dead)
 * writes nothing. Pending deployments start in FIFO order per instance, one running at a time (the
 * partial unique index makes that a database guarantee, not a convention).
 */
public final class Leases {
  /**
   * Takes startable pending deployments ({@link Transition#START}: the first of each instance) and
   * running ones whose lease expired (a takeover: the state stays, only the lease moves), tenants
   * in turn: the first due of every tenant, then the second of every tenant, and so on, oldest
   * first within a turn. A tenant that queued a thousand deploys does not fill a batch on its own;
   * each instance has one startable deployment at a time, so instances are served in turn as well.
   * A pending rollback goes ahead of every other pending deployment of its instance (rollbacks
   * among themselves, and the others among themselves, in FIFO order).
   */
  private static final String CLAIM =
      """
      WITH due AS (
        SELECT d.id, d.seq, row_number() OVER (PARTITION BY d.tenant_id ORDER BY d.seq) AS turn
        FROM deployments d
        WHERE (d.state = '%1$s'
               AND NOT EXISTS (SELECT 1 FROM deployments r WHERE r.instance_id = d.instance_id AND r.state = '%2$s')
               AND NOT EXISTS (SELECT 1 FROM deployments e WHERE e.instance_id = d.instance_id
                               AND e.state = '%1$s'
                               AND CASE WHEN (e.kind = 'rollback') = (d.kind = 'rollback')
                                        THEN e.seq < d.seq ELSE e.kind = 'rollback' END))
           OR (d.state = '%2$s' AND d.lease_expires_at < now())),
      candidate AS (
        SELECT d.id, d.state AS old_state FROM deployments d JOIN due ON due.id = d.id
        WHERE d.state = '%1$s' OR (d.state = '%2$s' AND d.lease_expires_at < now())
        ORDER BY due.turn, due.seq LIMIT $3
        FOR UPDATE OF d SKIP LOCKED)
      UPDATE deployments d SET
        state = '%2$s',
        lease_owner = $1,
        lease_epoch = d.lease_epoch + 1,
        lease_expires_at = now() + make_interval(secs => $2),
        started_at = coalesce(d.started_at, now()),
        previous_release_id = CASE WHEN candidate.old_state = '%1$s'
          THEN (SELECT current_release_id FROM instances WHERE id = d.instance_id) ELSE d.previous_release_id END,
        updated_at = now()
      FROM candidate WHERE d.id = candidate.id
      RETURNING d.id, d.instance_id, d.lease_epoch, candidate.old_state, d.seq, d.kind, d.strategy,
        extract(epoch FROM now() - d.created_at)::float8 AS queued_seconds
      """
          // literals, not parameters: the planner matches them to the partial indexes
          .formatted(Transition.START.from().wire(), Transition.START.to().wire());

  /**
   * The heartbeat: one statement per runner per period, whatever it holds. It advertises the
   * runner's load in its {@code runners} row, removes rows of runners gone for a minute (killed
   * without handing back), and extends every lease held, each fenced by its epoch.
   */
  private static final String HEARTBEAT =
      """
      WITH advertised AS (
        INSERT INTO runners (id, max_active, max_concurrent, active, in_flight, queued, admitting,
                             heartbeat_at, expires_at)
        VALUES ($4, $5, $6, $7, $8, $9, $10, now(), now() + make_interval(secs => $3))
        ON CONFLICT (id) DO UPDATE SET max_active = EXCLUDED.max_active,
          max_concurrent = EXCLUDED.max_concurrent, active = EXCLUDED.active,
          in_flight = EXCLUDED.in_flight, queued = EXCLUDED.queued, admitting = EXCLUDED.admitting,
          heartbeat_at = EXCLUDED.heartbeat_at, expires_at = EXCLUDED.expires_at),
      gone AS (DELETE FROM runners WHERE expires_at < now() - interval '1 minute' AND id <> $4)
      UPDATE deployments d SET lease_expires_at = now() + make_interval(secs => $3),
        progress = CASE WHEN d.progress ? 'observed_at' THEN jsonb_set(d.progress, '{observed_at}',
          to_jsonb(to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))
          ELSE d.progress END
      FROM unnest($1::text[], $2::bigint[]) AS h(id, epoch)
      WHERE d.id = h.id AND d.lease_epoch = h.epoch AND d.state = 'running'
      RETURNING d.id, concat_ws('|', d.cancel_requested, d.paused, d.promote::text, d.abort_state,
        d.step_started_at::text) AS controls
      """;

  private final Pool pool;
  private final String owner;
  private final int leaseSeconds;

  public Leases(Pool pool, String owner, int leaseSeconds) {
    this.pool = pool;
    this.owner = owner;
    this.leaseSeconds = leaseSeconds;
  }

  /**
   * Claims up to {@code limit} runnable deployments in one statement, oldest first (deploy.started
   * for each that starts); an empty list when none.
   */
  public Future<List<Claim>> claim(int limit) {
    List<Runnable> metered = new ArrayList<>(); // counted once committed, not when rolled back
    return pool.withTransaction(
            conn ->
                conn.preparedQuery(CLAIM)
                    .execute(Tuple.of(owner, leaseSeconds, limit))
                    .compose(rs -> started(conn, rs, metered)))
        .onSuccess(claims -> metered.forEach(Runnable::run))
        // two runners racing for two queued deployments of one instance: the index stops the second
        .recover(
            e ->
                e instanceof PgException pg && "23505".equals(pg.getSqlState())
                    ? Future.succeededFuture(List.of())
                    : Future.failedFuture(e));
  }

  private static Future<List<Claim>> started(
      SqlConnection conn, RowSet<Row> rs, List<Runnable> metered) {
    List<Row> rows = new ArrayList<>();
    rs.forEach(rows::add);
    rows.sort(Comparator.comparingLong(r -> r.getLong("seq")));
    List<Claim> claims = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Row row : rows) {
      boolean resumed = Transition.START.to().wire().equals(row.getString("old_state"));
      Claim claim =
          new Claim(
              row.getString("id"),
              row.getString("instance_id"),
              row.getLong("lease_epoch"),
              resumed);
      claims.add(claim);
      String kind = row.getString("kind");
      String strategy = row.getString("strategy");
      double queued = row.getDouble("queued_seconds");
      metered.add(() -> LifecycleMetrics.claimed(kind, strategy, resumed, queued));
      if (!resumed) {
        chain =
            chain.compose(
                v -> Outbox.record(conn, Event.STARTED, claim.deploymentId(), null).mapEmpty());
      }
    }
    return chain.map(claims);
  }

  /**
   * Extends the leases of every deployment the runner holds, in one statement whatever their
   * number, each fenced by its epoch, and stamps their progress as still observed now (a waiting
   * deployment is not re-read on its own between heartbeats: this is its holder vouching for it).
   * The same statement advertises the runner's load ({@code runners} row), so an idle runner beats
   * too. Answers, for each lease still held, a signature of its controls (cancel, pause, promote,
   * abort, and the step's start, which a resume resets): a lease missing from the answer is lost, a
   * signature that changed means a user acted on it. The step's start makes a pause and a resume
   * between two beats (both NOTIFYs missed) still wake the deployment; a step the runner finished
   * itself changes it too, which costs at most one move that finds nothing to do.
   */
  public Future<Map<String, String>> heartbeat(Collection<Claim> held, RunnerLoad load) {
    String[] ids = new String[held.size()];
    Long[] epochs = new Long[held.size()];
    int i = 0;
    for (Claim c : held) {
      ids[i] = c.deploymentId();
      epochs[i++] = c.epoch();
    }
    return pool.preparedQuery(HEARTBEAT)
        .execute(
            Tuple.of(ids, epochs, leaseSeconds, owner, load.maxActive(), load.maxConcurrent())
                .addInteger(load.active())
                .addInteger(load.inFlight())
                .addInteger(load.queued())
                .addBoolean(load.admitting()))
        .map(
            rs -> {
              Map<String, String> controls = new HashMap<>();
              rs.forEach(row -> controls.put(row.getString("id"), row.getString("controls")));
              return controls;
            });
  }

  /**
   * Graceful stop: give leases back at once (and the runner's row goes), so another runner resumes
   * without waiting for expiry.
   */
  public Future<Void> releaseAll() {
    return pool.preparedQuery(
            "WITH gone AS (DELETE FROM runners WHERE id = $1) "
                + "UPDATE deployments SET lease_expires_at = now() - interval '1 second', "
                + "lease_owner = NULL WHERE lease_owner = $1 AND state = 'running'")
        .execute(Tuple.of(owner))
        .mapEmpty();
  }
}
