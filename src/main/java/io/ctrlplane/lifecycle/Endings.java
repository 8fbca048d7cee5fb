package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.DeploymentState;
import io.ctrlplane.deploy.Doc;
import io.ctrlplane.deploy.Event;
import io.ctrlplane.deploy.codec.DeployJson;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Ends a running deployment for the runner holding its lease: succeeded (moving the instance's
 * current release, and marking the deployment a rollback replaced rolled_back), or failed or
 * cancelled after the runner reverted it. Each is one transaction with its events; each answers
 * false when the fenced compare-and-set found the deployment no longer this runner's to end.
 */
public final class Endings {
  private final Pool pool;

  public Endings(Pool pool) {
    this.pool = pool;
  }

  /**
   * Succeeds the deployment, unless a cancel was requested first (compare-and-set: the loser of the
   * race learns it from the row count). Moves the instance's current release and clears a degraded
   * mark; a rollback also marks the deployment it replaced rolled_back.
   */
  public Future<Boolean> succeed(Claim claim, Doc progress) {
    Transition t = Transition.SUCCEED;
    return pool.withTransaction(
            conn ->
                conn.preparedQuery(
                        "UPDATE deployments SET state = $3, finished_at = now(), updated_at = now(), "
                            + "lease_owner = NULL, lease_expires_at = NULL, progress = $4 "
                            + "WHERE id = $1 AND lease_epoch = $2 AND state = $5 AND NOT cancel_requested "
                            + "RETURNING release_id, kind, replaces_deployment_id")
                    .execute(
                        Tuple.of(
                            claim.deploymentId(),
                            claim.epoch(),
                            t.to().wire(),
                            DeployJson.json(progress),
                            t.from().wire()))
                    .compose(
                        rs -> {
                          if (rs.size() == 0) {
                            return Future.succeededFuture(false);
                          }
                          Row row = rs.iterator().next();
                          // a teardown that stopped everything is the end of its instance
                          return conn.preparedQuery(
                                  "UPDATE instances SET current_release_id = "
                                      // a restart renewed the release live when it started: it
                                      // stays
                                      + "CASE WHEN $3::text = 'restart' THEN coalesce(current_release_id, $2) ELSE $2 END, "
                                      + "current_version = (SELECT version FROM releases WHERE id = "
                                      + "CASE WHEN $3::text = 'restart' THEN coalesce(current_release_id, $2) ELSE $2 END), "
                                      + "degraded_reason = NULL, "
                                      + "degraded_at = NULL, updated_at = now(), "
                                      + "deleted_at = CASE WHEN $3::text = 'teardown' THEN now() ELSE deleted_at END "
                                      + "WHERE id = $1")
                              .execute(
                                  Tuple.of(
                                      claim.instanceId(),
                                      row.getString("release_id"),
                                      row.getString("kind")))
                              .compose(
                                  ok ->
                                      Outbox.record(
                                          conn, Event.SUCCEEDED, claim.deploymentId(), null))
                              .compose(
                                  ok -> rollBack(conn, row.getString("replaces_deployment_id")))
                              .compose(ok -> Outbox.notifyRunnable(conn))
                              .map(true);
                        }))
        .onSuccess(ended -> metered(ended, claim, t.to().wire()));
  }

  /**
   * Ends the deployment failed or cancelled, after the runner reverted it. A failed revert marks
   * the instance degraded with the reason; a revert that worked leaves it healthy again.
   *
   * <p>Fails with a {@link io.ctrlplane.problem.Refusal} when {@code state} is not a legal end of a
   * running deployment (nothing is written).
   */
  public Future<Boolean> end(
      Claim claim, DeploymentState state, String error, Doc progress, String degradedReason) {
    String type = state == DeploymentState.CANCELLED ? Event.CANCELLED : Event.FAILED;
    return Transition.check(DeploymentState.RUNNING, state)
        .compose(
            t ->
                pool.withTransaction(
                        conn ->
                            conn.preparedQuery(
                                    "UPDATE deployments SET state = $3, error = $4, finished_at = now(), updated_at = now(), "
                                        + "lease_owner = NULL, lease_expires_at = NULL, progress = $5 "
                                        + "WHERE id = $1 AND lease_epoch = $2 AND state = $6")
                                .execute(
                                    Tuple.of(
                                        claim.deploymentId(),
                                        claim.epoch(),
                                        t.to().wire(),
                                        error,
                                        DeployJson.json(progress),
                                        t.from().wire()))
                                .compose(
                                    rs ->
                                        rs.rowCount() == 0
                                            ? Future.succeededFuture(false)
                                            : conn.preparedQuery(
                                                    "UPDATE instances SET degraded_reason = $2, "
                                                        + "degraded_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, updated_at = now(), "
                                                        // a teardown that did not finish leaves the
                                                        // instance, so DELETE can be retried
                                                        + "deleting_at = CASE WHEN (SELECT kind FROM deployments WHERE id = $3) = 'teardown' "
                                                        + "THEN NULL ELSE deleting_at END WHERE id = $1")
                                                .execute(
                                                    Tuple.of(
                                                        claim.instanceId(),
                                                        degradedReason,
                                                        claim.deploymentId()))
                                                .compose(
                                                    ok ->
                                                        Outbox.record(
                                                            conn, type, claim.deploymentId(), null))
                                                .compose(ok -> Outbox.notifyRunnable(conn))
                                                .map(true)))
                    .onSuccess(ended -> metered(ended, claim, t.to().wire())));
  }

  /**
   * Counts an ending once committed: kind, strategy and rollout time are read back in a statement
   * of their own, off the transaction (a metric is not worth a longer lock).
   */
  private void metered(boolean ended, Claim claim, String state) {
    if (!ended) {
      return;
    }
    pool.preparedQuery(
            "SELECT kind, strategy, "
                + "extract(epoch FROM coalesce(finished_at, now()) - started_at)::float8 AS s "
                + "FROM deployments WHERE id = $1")
        .execute(Tuple.of(claim.deploymentId()))
        .onSuccess(
            rs ->
                rs.forEach(
                    row ->
                        LifecycleMetrics.finished(
                            row.getString("kind"),
                            row.getString("strategy"),
                            state,
                            row.getDouble("s"))));
  }

  /** The deployment a successful rollback replaced: succeeded → rolled_back, with its event. */
  private static Future<Void> rollBack(SqlConnection conn, String replaced) {
    if (replaced == null) {
      return Future.succeededFuture();
    }
    Transition t = Transition.ROLL_BACK;
    return conn.preparedQuery(
            "UPDATE deployments SET state = $2, updated_at = now() WHERE id = $1 AND state = $3")
        .execute(Tuple.of(replaced, t.to().wire(), t.from().wire()))
        .compose(
            rs ->
                rs.rowCount() == 0
                    ? Future.succeededFuture()
                    : Outbox.record(conn, Event.ROLLED_BACK, replaced, null).mapEmpty());
  }
}
