package io.ctrlplane.runner;

import io.ctrlplane.events.DeployEvent;
import io.ctrlplane.runner.Leases.Claim;
import io.ctrlplane.runner.Leases.LeaseLost;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

/**
 * The runner's reads and fenced writes of a deployment's execution state: the plan, the step
 * reached, the revert, the progress shown to users. Every write names the lease epoch, so a runner
 * that lost its lease writes nothing; each step boundary also appends a deploy.progressed event in
 * the same transaction.
 */
final class Checkpoints {
  private static final String FENCED = " WHERE id = $1 AND lease_epoch = $2 AND state = 'running'";

  private final Pool pool;

  Checkpoints(Pool pool) {
    this.pool = pool;
  }

  /** The control state; fails with {@link LeaseLost} once the deployment is not ours to drive. */
  Future<Control> control(Claim claim) {
    return pool.preparedQuery(Control.SELECT)
        .execute(Tuple.of(claim.deploymentId()))
        .compose(
            rs -> {
              var row = rs.iterator().next();
              boolean ours =
                  row.getLong("lease_epoch") == claim.epoch()
                      && "running".equals(row.getString("state"));
              return ours
                  ? Future.succeededFuture(Control.from(row))
                  : Future.failedFuture(new LeaseLost(claim));
            });
  }

  /** Stores the plan a fresh deployment will follow; the deadline of its first step starts now. */
  Future<Void> savePlan(Claim claim, JsonObject plan, JsonObject progress) {
    return pool.preparedQuery(
            "UPDATE deployments SET plan = $3, checkpoint = 0, revert_checkpoint = 0, "
                + "step_started_at = now(), progress = $4, updated_at = now()"
                + FENCED
                + " AND plan IS NULL")
        .execute(Tuple.of(claim.deploymentId(), claim.epoch(), plan, progress))
        .compose(rs -> fenced(rs, claim));
  }

  /**
   * Step {@code done} is complete: the next one starts now. A promote aimed at a step already
   * passed is dropped; a full promote stays until the steps it skips are behind ({@code
   * finishFrom}).
   */
  Future<Void> advance(Claim claim, int done, int finishFrom, JsonObject progress) {
    return stepEvent(
        claim,
        progress,
        "UPDATE deployments SET checkpoint = $3::int, step_started_at = now(), "
            + "progress = $4, updated_at = now(), promote = CASE "
            + "WHEN promote IS NULL THEN NULL "
            + "WHEN coalesce((promote->>'full')::boolean, false) THEN (CASE WHEN $3::int >= $6::int THEN NULL ELSE promote END) "
            + "WHEN (promote->>'step')::int < $3::int THEN NULL ELSE promote END"
            + FENCED
            + " AND checkpoint = $5::int",
        Tuple.of(claim.deploymentId(), claim.epoch(), done + 1, progress, done, finishFrom));
  }

  /** A full promote: skip straight to the finishing steps. */
  Future<Void> jump(Claim claim, int from, int to, JsonObject progress) {
    return stepEvent(
        claim,
        progress,
        "UPDATE deployments SET checkpoint = $3, step_started_at = now(), "
            + "progress = $4, promote = NULL, updated_at = now()"
            + FENCED
            + " AND checkpoint = $5",
        Tuple.of(claim.deploymentId(), claim.epoch(), to, progress, from));
  }

  /**
   * Starts reverting; the outcome (failed or cancelled) and reason are kept for the end. A cancel
   * the API accepted (202) before this write wins over a failure found at the same moment: the
   * client was told its deployment would end cancelled.
   */
  Future<Void> abort(Claim claim, String state, String reason, JsonObject progress) {
    return stepEvent(
        claim,
        progress,
        "UPDATE deployments SET "
            + "abort_state = CASE WHEN cancel_requested THEN 'cancelled' ELSE $3 END, "
            + "abort_reason = CASE WHEN cancel_requested AND $3 <> 'cancelled' "
            + "THEN 'cancelled on request (while failing: ' || $4 || ')' ELSE $4 END, "
            + "revert_checkpoint = 0, step_started_at = now(), progress = $5, promote = NULL, paused = false, "
            + "updated_at = now()"
            + FENCED
            + " AND abort_state IS NULL",
        Tuple.of(claim.deploymentId(), claim.epoch(), state, reason, progress));
  }

  Future<Void> advanceRevert(Claim claim, int done, JsonObject progress) {
    return stepEvent(
        claim,
        progress,
        "UPDATE deployments SET revert_checkpoint = $3, step_started_at = now(), "
            + "progress = $4, updated_at = now()"
            + FENCED
            + " AND revert_checkpoint = $5",
        Tuple.of(claim.deploymentId(), claim.epoch(), done + 1, progress, done));
  }

  Future<Void> progress(Claim claim, JsonObject progress) {
    return pool.preparedQuery("UPDATE deployments SET progress = $3, updated_at = now()" + FENCED)
        .execute(Tuple.of(claim.deploymentId(), claim.epoch(), progress))
        .compose(rs -> fenced(rs, claim));
  }

  /** A fenced update and its deploy.progressed event, in one transaction. */
  private Future<Void> stepEvent(Claim claim, JsonObject progress, String sql, Tuple args) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(sql)
                .execute(args)
                .compose(rs -> fenced(rs, claim))
                .compose(
                    v ->
                        Leases.event(
                            conn,
                            DeployEvent.PROGRESSED,
                            claim.deploymentId(),
                            claim.instanceId(),
                            progress))
                .mapEmpty());
  }

  /**
   * One row or the write was fenced off. (A compare-and-set on the checkpoint that found it moved
   * also lands here: only another holder of the lease could have moved it.)
   */
  private static Future<Void> fenced(RowSet<?> rs, Claim claim) {
    return rs.rowCount() == 1
        ? Future.succeededFuture()
        : Future.failedFuture(new LeaseLost(claim));
  }
}
