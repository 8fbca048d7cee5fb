package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.Deployment;
import io.ctrlplane.deploy.DeploymentState;
import io.ctrlplane.deploy.Event;
import io.ctrlplane.deploy.codec.DeployRows;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Four-eyes approvals: a decision on the approval gate a running deployment waits at, by a key
 * other than the one that initiated it. The decision goes where the runner already looks before
 * every move ({@code promote}, aimed at the gate's step, with {@code approval: approved|rejected}),
 * with its deploy.approved or deploy.rejected event, and wakes the runner holding it.
 */
public final class Approvals {
  private static final String LOCK =
      "SELECT state, abort_state, cancel_requested, plan, checkpoint, promote, "
          + "initiated_by_key_id FROM deployments WHERE id = $1 AND tenant_id = $2 FOR UPDATE";

  /** Who decides, and why (the reason may be null). */
  public record Decision(boolean approve, String keyId, String keyName, String reason) {}

  private Approvals() {}

  public static Future<Deployment> decide(
      SqlConnection conn, String tenantId, String id, Decision decision) {
    return conn.preparedQuery(LOCK)
        .execute(Tuple.of(id, tenantId))
        .compose(
            rs ->
                rs.size() == 0
                    ? Future.failedFuture(Deployments.notFound(id))
                    : apply(conn, id, rs.iterator().next(), decision))
        .compose(
            v ->
                Outbox.record(conn, decision.approve() ? Event.APPROVED : Event.REJECTED, id, null))
        .compose(ev -> Outbox.notifyControl(conn, id))
        .compose(v -> Deployments.find(conn, tenantId, id));
  }

  private static Future<Void> apply(SqlConnection conn, String id, Row row, Decision decision) {
    String verb = decision.approve() ? "approved" : "rejected";
    if (!DeploymentState.RUNNING.wire().equals(row.getString("state"))
        || row.getString("abort_state") != null
        || row.getBoolean("cancel_requested")) {
      return conflict(id, "is not waiting for approval (it is " + stateOf(row) + ")");
    }
    Deployment.PlanOutline plan = DeployRows.plan(row.getJsonObject("plan"));
    int step = row.getInteger("checkpoint");
    if (plan == null
        || step >= plan.steps().size()
        || !"approval".equals(plan.steps().get(step).type())) {
      return conflict(id, "is not waiting for approval");
    }
    JsonObject promote = row.getJsonObject("promote");
    if (promote != null
        && promote.getString("approval") != null
        && promote.getInteger("step", -1) == step) {
      return conflict(id, "was already " + promote.getString("approval") + " at this gate");
    }
    String initiator = row.getString("initiated_by_key_id");
    if (initiator != null && initiator.equals(decision.keyId())) {
      return Future.failedFuture(
          Refusal.forbidden(
              "the key that initiated deployment "
                  + id
                  + " cannot approve or reject it: four eyes, ask someone with another key "
                  + "holding the 'approve' scope"));
    }
    JsonObject value =
        new JsonObject()
            .put("step", step)
            .put("full", false)
            .put("approval", verb)
            .put("by_key_id", decision.keyId())
            .put("by_key_name", decision.keyName())
            .put("reason", decision.reason());
    return conn.preparedQuery(
            "UPDATE deployments SET promote = $2, updated_at = now() WHERE id = $1")
        .execute(Tuple.of(id, value))
        .mapEmpty();
  }

  private static String stateOf(Row row) {
    if (row.getString("abort_state") != null || row.getBoolean("cancel_requested")) {
      return "being reverted";
    }
    return row.getString("state");
  }

  private static <T> Future<T> conflict(String id, String why) {
    return Future.failedFuture(Refusal.conflict("deployment " + id + " " + why));
  }
}
