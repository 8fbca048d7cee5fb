package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.Deployment;
import io.ctrlplane.deploy.DeploymentState;
import io.ctrlplane.deploy.Event;
import io.ctrlplane.deploy.Ids;
import io.ctrlplane.deploy.codec.DeployJson;
import io.ctrlplane.deploy.codec.DeployRows;
import io.ctrlplane.ops.Tracing;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * The commands users give a deployment: create it, cancel it, pause, resume or promote it. Each
 * runs inside the caller's transaction (the store's, which adds the idempotency key and the audit
 * record), scoped to the caller's tenant, writes the row and its event, and answers the deployment
 * as it is afterwards; a command that does not apply is refused (not found, conflict).
 */
public final class Commands {
  private static final String LOCK =
      "SELECT state, instance_id, paused, abort_state, cancel_requested, plan, checkpoint, "
          + "progress->>'blocked_on' AS blocked_on "
          + "FROM deployments WHERE id = $1 AND tenant_id = $2 FOR UPDATE";

  private Commands() {}

  /**
   * A pending deployment and its deploy.queued; wakes the runners. Two round trips: the insert
   * answers the row as the API shows it (with its releases and instance name), and the event's
   * append carries both NOTIFYs.
   */
  public static Future<Deployment> create(SqlConnection conn, NewDeployment d) {
    String id = Ids.next("dep");
    Deployment.Initiator by = d.initiatedBy();
    return conn.preparedQuery(CREATE)
        .execute(
            Tuple.from(
                new Object[] {
                  id,
                  d.tenantId(),
                  d.instanceId(),
                  d.releaseId(),
                  d.previousReleaseId(),
                  d.kind(),
                  d.replacesDeploymentId(),
                  d.strategy(),
                  DeployJson.json(d.strategyParams()),
                  DeploymentState.PENDING.wire(),
                  by == null ? null : by.keyId(),
                  by == null ? null : by.keyName(),
                  Tracing.traceparent()
                }))
        .map(
            rows -> {
              Row row = rows.iterator().next();
              return new Deployments.Named(
                  DeployRows.deployment(row),
                  row.getString("instance_name"),
                  row.getString("traceparent"));
            })
        .compose(named -> Outbox.queued(conn, named).map(named.deployment()));
  }

  private static final String CREATE =
      "WITH d AS (INSERT INTO deployments (id, tenant_id, instance_id, release_id, "
          + "previous_release_id, kind, replaces_deployment_id, strategy, strategy_params, state, "
          + "initiated_by_key_id, initiated_by_key_name, traceparent) "
          + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *) "
          + "SELECT "
          + DeployRows.DEPLOYMENT_COLUMNS
          + ", i.name AS instance_name, d.traceparent AS traceparent FROM "
          + DeployRows.DEPLOYMENT_FROM.replaceFirst("^deployments d ", "d ")
          + " JOIN instances i ON i.id = d.instance_id";

  /**
   * Cancel: pending → cancelled at once; running → cancel requested (the runner reverts, then ends
   * it cancelled). The row lock orders a cancel against the runner's compare-and-set to succeeded:
   * whichever commits first wins, and the other learns it (the runner from its row count, the
   * client from a conflict).
   */
  public static Future<Deployment> cancel(SqlConnection conn, String tenantId, String id) {
    return lock(conn, tenantId, id)
        .compose(
            row -> {
              DeploymentState state = DeploymentState.fromWire(row.getString("state"));
              boolean revertingFailure = "failed".equals(row.getString("abort_state"));
              if (!state.canTransitionTo(DeploymentState.CANCELLED)
                  || (state == DeploymentState.RUNNING && revertingFailure)) {
                return Future.failedFuture(
                    Refusal.conflict(
                        "deployment "
                            + id
                            + " "
                            + whyNotCancellable(state)
                            + "; it can no longer be cancelled"));
              }
              return state == DeploymentState.PENDING
                  ? cancelPending(conn, tenantId, id)
                  : requestCancel(conn, tenantId, id);
            });
  }

  private static String whyNotCancellable(DeploymentState state) {
    return switch (state) {
      case RUNNING -> "has failed and is reverting to the previous release (it will end failed)";
      case SUCCEEDED -> "already succeeded (roll back to undo it)";
      case ROLLED_BACK -> "already succeeded and was rolled back since";
      case CANCELLED -> "was already cancelled";
      case FAILED -> "already failed";
      default -> "is " + state.wire();
    };
  }

  private static Future<Deployment> cancelPending(SqlConnection conn, String tenantId, String id) {
    Transition t = Transition.CANCEL_PENDING;
    return conn.preparedQuery(
            "UPDATE deployments SET state = $2, finished_at = now(), updated_at = now(), "
                + "error = 'cancelled before it started' WHERE id = $1 AND state = $3")
        .execute(Tuple.of(id, t.to().wire(), t.from().wire()))
        .compose(ok -> Outbox.record(conn, Event.CANCELLED, id, null))
        .compose(ev -> Outbox.notifyRunnable(conn))
        .compose(v -> Deployments.find(conn, tenantId, id));
  }

  private static Future<Deployment> requestCancel(SqlConnection conn, String tenantId, String id) {
    return conn.preparedQuery(
            "UPDATE deployments SET cancel_requested = true, updated_at = now() "
                + "WHERE id = $1 AND state = 'running'")
        .execute(Tuple.of(id))
        .compose(ok -> Outbox.notifyControl(conn, id))
        .compose(ok -> Deployments.find(conn, tenantId, id));
  }

  /** Sets the pause flag; the runner reads it before every move. */
  public static Future<Deployment> pause(SqlConnection conn, String tenantId, String id) {
    return control(
        conn,
        tenantId,
        id,
        row ->
            row.getBoolean("paused")
                ? conflict(id, "is already paused")
                : conn.preparedQuery(
                        "UPDATE deployments SET paused = true, updated_at = now() WHERE id = $1")
                    .execute(Tuple.of(id))
                    .mapEmpty());
  }

  /**
   * Resuming restarts the current step's progress deadline: the time spent paused does not count.
   */
  public static Future<Deployment> resume(SqlConnection conn, String tenantId, String id) {
    return control(
        conn,
        tenantId,
        id,
        row ->
            !row.getBoolean("paused")
                ? conflict(id, "is not paused")
                : conn.preparedQuery(
                        "UPDATE deployments SET paused = false, step_started_at = now(), "
                            + "updated_at = now() WHERE id = $1")
                    .execute(Tuple.of(id))
                    .mapEmpty());
  }

  /**
   * Promote skips the pause the deployment is in; a full promote skips every remaining pause and
   * analysis and goes straight to the full rollout (still waiting for the new replicas to be
   * ready).
   */
  public static Future<Deployment> promote(
      SqlConnection conn, String tenantId, String id, boolean full) {
    return control(
        conn,
        tenantId,
        id,
        row -> {
          Deployment.PlanOutline plan = DeployRows.plan(row.getJsonObject("plan"));
          if (plan == null) {
            return conflict(id, "has not started its plan yet");
          }
          int step = row.getInteger("checkpoint");
          var steps = plan.steps();
          // an analysis counts as a pause: promoting it accepts the release as it is (what an
          // inconclusive analysis waits for)
          // so does a background analysis that paused the rollout, inconclusive, at any step
          boolean inPause =
              step < steps.size()
                  && ("pause".equals(steps.get(step).type())
                      || "analysis".equals(steps.get(step).type())
                      || "analysis_inconclusive".equals(row.getString("blocked_on")));
          Integer finishFrom = plan.finishFrom();
          boolean skippable = full && finishFrom != null && step < finishFrom;
          boolean gated = false;
          for (int k = step; finishFrom != null && k < Math.min(finishFrom, steps.size()); k++) {
            gated |= "approval".equals(steps.get(k).type()) || "hook".equals(steps.get(k).type());
          }
          if (skippable && gated) {
            return conflict(
                id,
                "has a gate ahead (an approval or a blocking hook): a promote never skips it; "
                    + "an approval takes POST /v1/deployments/"
                    + id
                    + "/approve (another key with the 'approve' scope)");
          }
          if (!inPause && !skippable) {
            String at =
                step < steps.size()
                    ? "step " + (step + 1) + " (" + steps.get(step).description() + ")"
                    : "its last step";
            return conflict(
                id,
                "is at "
                    + at
                    + ": there is "
                    + (full
                        ? "no pause or analysis left to skip"
                        : "no pause to skip (a full promote, {\"full\": true}, skips the remaining steps of a canary or blue-green)"));
          }
          return conn.preparedQuery(
                  "UPDATE deployments SET promote = $2, updated_at = now() WHERE id = $1")
              .execute(Tuple.of(id, new JsonObject().put("step", step).put("full", full)))
              .mapEmpty();
        });
  }

  private interface Change {
    Future<Void> apply(Row row);
  }

  /** Locks the deployment, checks it is running and not reverting, applies the change. */
  private static Future<Deployment> control(
      SqlConnection conn, String tenantId, String id, Change change) {
    return lock(conn, tenantId, id)
        .compose(
            row -> {
              if (!DeploymentState.RUNNING.wire().equals(row.getString("state"))) {
                return conflict(
                    id,
                    "is "
                        + row.getString("state")
                        + ": only a running deployment can be paused, resumed or promoted");
              }
              if (row.getString("abort_state") != null || row.getBoolean("cancel_requested")) {
                return conflict(id, "is being reverted");
              }
              return change
                  .apply(row)
                  .compose(v -> Outbox.notifyControl(conn, id))
                  .compose(v -> Deployments.find(conn, tenantId, id));
            });
  }

  private static Future<Row> lock(SqlConnection conn, String tenantId, String id) {
    return conn.preparedQuery(LOCK)
        .execute(Tuple.of(id, tenantId))
        .compose(
            rs ->
                rs.size() == 0
                    ? Future.failedFuture(Deployments.notFound(id))
                    : Future.succeededFuture(rs.iterator().next()));
  }

  private static <T> Future<T> conflict(String id, String why) {
    return Future.failedFuture(Refusal.conflict("deployment " + id + " " + why));
  }
}
