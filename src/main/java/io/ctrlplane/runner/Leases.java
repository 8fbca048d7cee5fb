package io.ctrlplane.runner;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.events.DeployEvent;
import io.ctrlplane.store.Outbox;
import io.ctrlplane.store.Queries;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Claims, heartbeats and finishes deployments. A claim bumps {@code lease_epoch}; every later write
 * names that epoch, so a runner that lost its lease (paused, partitioned, presumed dead) writes
 * nothing. Pending deployments start in FIFO order per instance, one running at a time (the partial
 * unique index makes that a database guarantee, not a convention).
 */
final class Leases {
  /** A deployment this runner holds, with the epoch that fences its writes. */
  record Claim(String deploymentId, String instanceId, long epoch, boolean resumed) {}

  private static final String CLAIM =
      """
      WITH candidate AS (
        SELECT d.id, d.state AS old_state FROM deployments d
        WHERE (d.state = 'pending'
               AND NOT EXISTS (SELECT 1 FROM deployments r WHERE r.instance_id = d.instance_id AND r.state = 'running')
               AND NOT EXISTS (SELECT 1 FROM deployments e WHERE e.instance_id = d.instance_id
                               AND e.state = 'pending' AND e.seq < d.seq))
           OR (d.state = 'running' AND d.lease_expires_at < now())
        ORDER BY d.seq LIMIT 1
        FOR UPDATE OF d SKIP LOCKED)
      UPDATE deployments d SET
        state = 'running',
        lease_owner = $1,
        lease_epoch = d.lease_epoch + 1,
        lease_expires_at = now() + make_interval(secs => $2),
        started_at = coalesce(d.started_at, now()),
        previous_release_id = CASE WHEN candidate.old_state = 'pending'
          THEN (SELECT current_release_id FROM instances WHERE id = d.instance_id) ELSE d.previous_release_id END,
        updated_at = now()
      FROM candidate WHERE d.id = candidate.id
      RETURNING d.id, d.instance_id, d.lease_epoch, candidate.old_state
      """;

  private final Pool pool;
  private final String owner;
  private final int leaseSeconds;

  Leases(Pool pool, String owner, int leaseSeconds) {
    this.pool = pool;
    this.owner = owner;
    this.leaseSeconds = leaseSeconds;
  }

  /** Claims the next runnable deployment, or returns null when there is none. */
  Future<Claim> claimNext() {
    return pool.withTransaction(
            conn ->
                conn.preparedQuery(CLAIM)
                    .execute(Tuple.of(owner, leaseSeconds))
                    .compose(
                        rs -> {
                          if (rs.size() == 0) {
                            return Future.succeededFuture((Claim) null);
                          }
                          Row row = rs.iterator().next();
                          boolean resumed = "running".equals(row.getString("old_state"));
                          Claim claim =
                              new Claim(
                                  row.getString("id"),
                                  row.getString("instance_id"),
                                  row.getLong("lease_epoch"),
                                  resumed);
                          return resumed
                              ? Future.succeededFuture(claim)
                              : event(
                                      conn,
                                      DeployEvent.STARTED,
                                      claim.deploymentId(),
                                      claim.instanceId())
                                  .map(claim);
                        }))
        // two runners racing for two queued deployments of one instance: the index stops the second
        .recover(
            e ->
                e instanceof PgException pg && "23505".equals(pg.getSqlState())
                    ? Future.succeededFuture(null)
                    : Future.failedFuture(e));
  }

  /** Extends the lease; fails when this runner no longer holds it. */
  Future<Void> heartbeat(Claim claim) {
    return pool.preparedQuery(
            "UPDATE deployments SET lease_expires_at = now() + make_interval(secs => $3) "
                + "WHERE id = $1 AND lease_epoch = $2 AND state = 'running'")
        .execute(Tuple.of(claim.deploymentId(), claim.epoch(), leaseSeconds))
        .compose(
            rs ->
                rs.rowCount() == 1
                    ? Future.succeededFuture()
                    : Future.failedFuture(new LeaseLost(claim)));
  }

  /**
   * Succeeds the deployment, unless a cancel was requested first (compare-and-set: the loser of the
   * race learns it from the row count). Moves the instance's current release and clears a degraded
   * mark; a rollback also marks the deployment it replaced rolled_back.
   */
  Future<Boolean> succeed(Claim claim, JsonObject progress) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "UPDATE deployments SET state = 'succeeded', finished_at = now(), updated_at = now(), "
                        + "lease_owner = NULL, lease_expires_at = NULL, progress = $3 "
                        + "WHERE id = $1 AND lease_epoch = $2 AND state = 'running' AND NOT cancel_requested "
                        + "RETURNING release_id, kind, replaces_deployment_id")
                .execute(Tuple.of(claim.deploymentId(), claim.epoch(), progress))
                .compose(
                    rs -> {
                      if (rs.size() == 0) {
                        return Future.succeededFuture(false);
                      }
                      Row row = rs.iterator().next();
                      return conn.preparedQuery(
                              "UPDATE instances SET current_release_id = $2, "
                                  + "current_version = (SELECT version FROM releases WHERE id = $2), degraded_reason = NULL, "
                                  + "degraded_at = NULL, updated_at = now() WHERE id = $1")
                          .execute(Tuple.of(claim.instanceId(), row.getString("release_id")))
                          .compose(
                              ok ->
                                  event(
                                      conn,
                                      DeployEvent.SUCCEEDED,
                                      claim.deploymentId(),
                                      claim.instanceId()))
                          .compose(
                              ok ->
                                  markRolledBack(
                                      conn, claim, row.getString("replaces_deployment_id")))
                          .compose(ok -> notifyRunnable(conn))
                          .map(true);
                    }));
  }

  /**
   * Ends the deployment failed or cancelled, after the runner reverted it. A failed revert marks
   * the instance degraded with the reason; a revert that worked leaves it healthy again.
   */
  Future<Boolean> end(
      Claim claim, String state, String error, JsonObject progress, String degradedReason) {
    String type = "cancelled".equals(state) ? DeployEvent.CANCELLED : DeployEvent.FAILED;
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "UPDATE deployments SET state = $3, error = $4, finished_at = now(), updated_at = now(), "
                        + "lease_owner = NULL, lease_expires_at = NULL, progress = $5 "
                        + "WHERE id = $1 AND lease_epoch = $2 AND state = 'running'")
                .execute(Tuple.of(claim.deploymentId(), claim.epoch(), state, error, progress))
                .compose(
                    rs ->
                        rs.rowCount() == 0
                            ? Future.succeededFuture(false)
                            : conn.preparedQuery(
                                    "UPDATE instances SET degraded_reason = $2, "
                                        + "degraded_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, updated_at = now() WHERE id = $1")
                                .execute(Tuple.of(claim.instanceId(), degradedReason))
                                .compose(
                                    ok ->
                                        event(conn, type, claim.deploymentId(), claim.instanceId()))
                                .compose(ok -> notifyRunnable(conn))
                                .map(true)));
  }

  /**
   * Graceful stop: give leases back at once so another runner resumes without waiting for expiry.
   */
  Future<Void> releaseAll() {
    return pool.preparedQuery(
            "UPDATE deployments SET lease_expires_at = now() - interval '1 second', "
                + "lease_owner = NULL WHERE lease_owner = $1 AND state = 'running'")
        .execute(Tuple.of(owner))
        .mapEmpty();
  }

  private Future<Void> markRolledBack(SqlConnection conn, Claim claim, String replaced) {
    if (replaced == null) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(
            "UPDATE deployments SET state = 'rolled_back', updated_at = now() "
                + "WHERE id = $1 AND state = 'succeeded'")
        .execute(Tuple.of(replaced))
        .compose(
            rs ->
                rs.rowCount() == 0
                    ? Future.succeededFuture()
                    : event(conn, DeployEvent.ROLLED_BACK, replaced, claim.instanceId())
                        .mapEmpty());
  }

  private static Future<JsonObject> event(
      SqlConnection conn, String type, String deploymentId, String instanceId) {
    return event(conn, type, deploymentId, instanceId, null);
  }

  /**
   * Appends an event about the deployment as it is inside this transaction; {@code progress} joins
   * its data.
   */
  static Future<JsonObject> event(
      SqlConnection conn,
      String type,
      String deploymentId,
      String instanceId,
      JsonObject progress) {
    return Queries.eventData(conn, deploymentId)
        .compose(
            data -> {
              if (progress != null) {
                data.put("progress", progress);
              }
              return Outbox.append(conn, type, instanceId, deploymentId, data);
            });
  }

  private static Future<Void> notifyRunnable(SqlConnection conn) {
    return conn.preparedQuery("SELECT pg_notify($1, '')")
        .execute(Tuple.of(Addresses.PG_CHANNEL_RUNNABLE))
        .mapEmpty();
  }

  /** This runner's epoch is stale: another runner owns the deployment now. */
  static final class LeaseLost extends RuntimeException {
    LeaseLost(Claim claim) {
      super(
          "lease on " + claim.deploymentId() + " (epoch " + claim.epoch() + ") was lost",
          null,
          false,
          false);
    }
  }
}
