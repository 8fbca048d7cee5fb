package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.Event;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * Claims, heartbeats and gives back deployments. A claim bumps {@code lease_epoch}; every later
 * write names that epoch, so a runner that lost its lease (paused, partitioned, presumed dead)
 * writes nothing. Pending deployments start in FIFO order per instance, one running at a time (the
 * partial unique index makes that a database guarantee, not a convention).
 */
public final class Leases {
  /**
   * Takes the oldest startable pending deployment ({@link Transition#START}), or a running one
   * whose lease expired (a takeover: the state stays, only the lease moves).
   */
  private static final String CLAIM =
      """
      WITH candidate AS (
        SELECT d.id, d.state AS old_state FROM deployments d
        WHERE (d.state = '%1$s'
               AND NOT EXISTS (SELECT 1 FROM deployments r WHERE r.instance_id = d.instance_id AND r.state = '%2$s')
               AND NOT EXISTS (SELECT 1 FROM deployments e WHERE e.instance_id = d.instance_id
                               AND e.state = '%1$s' AND e.seq < d.seq))
           OR (d.state = '%2$s' AND d.lease_expires_at < now())
        ORDER BY d.seq LIMIT 1
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
      RETURNING d.id, d.instance_id, d.lease_epoch, candidate.old_state
      """
          // literals, not parameters: the planner matches them to the partial indexes
          .formatted(Transition.START.from().wire(), Transition.START.to().wire());

  private final Pool pool;
  private final String owner;
  private final int leaseSeconds;

  public Leases(Pool pool, String owner, int leaseSeconds) {
    this.pool = pool;
    this.owner = owner;
    this.leaseSeconds = leaseSeconds;
  }

  /** Claims the next runnable deployment (deploy.started when it starts), or null when none. */
  public Future<Claim> claimNext() {
    Transition start = Transition.START;
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
                          boolean resumed = start.to().wire().equals(row.getString("old_state"));
                          Claim claim =
                              new Claim(
                                  row.getString("id"),
                                  row.getString("instance_id"),
                                  row.getLong("lease_epoch"),
                                  resumed);
                          return resumed
                              ? Future.succeededFuture(claim)
                              : Outbox.record(conn, Event.STARTED, claim.deploymentId(), null)
                                  .map(claim);
                        }))
        // two runners racing for two queued deployments of one instance: the index stops the second
        .recover(
            e ->
                e instanceof PgException pg && "23505".equals(pg.getSqlState())
                    ? Future.succeededFuture(null)
                    : Future.failedFuture(e));
  }

  /** Extends the lease; fails with {@link LeaseLost} when this runner no longer holds it. */
  public Future<Void> heartbeat(Claim claim) {
    return pool.preparedQuery(
            "UPDATE deployments SET lease_expires_at = now() + make_interval(secs => $3) "
                + "WHERE id = $1 AND lease_epoch = $2 AND state = 'running'")
        .execute(Tuple.of(claim.deploymentId(), claim.epoch(), leaseSeconds))
        .compose(rs -> Fenced.one(rs, claim));
  }

  /**
   * Graceful stop: give leases back at once so another runner resumes without waiting for expiry.
   */
  public Future<Void> releaseAll() {
    return pool.preparedQuery(
            "UPDATE deployments SET lease_expires_at = now() - interval '1 second', "
                + "lease_owner = NULL WHERE lease_owner = $1 AND state = 'running'")
        .execute(Tuple.of(owner))
        .mapEmpty();
  }
}
