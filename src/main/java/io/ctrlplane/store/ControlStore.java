package io.ctrlplane.store;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.deploy.Deployment;
import io.ctrlplane.deploy.codec.DeployJson;
import io.ctrlplane.lifecycle.Approvals;
import io.ctrlplane.lifecycle.Commands;
import io.ctrlplane.security.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

/**
 * Pause, resume and promote: the lifecycle checks each applies (a conflict otherwise) and sets its
 * flag on the running deployment; this adds the audit record in the same transaction and answers
 * 202 with the deployment. The runner driving the deployment reads the flags before every move, so
 * they take effect within a tick.
 */
public final class ControlStore {
  private final Pool pool;

  public ControlStore(Pool pool) {
    this.pool = pool;
  }

  public Future<JsonObject> pause(String id, Caller caller) {
    return command(id, caller, conn -> Commands.pause(conn, caller.tenantId(), id));
  }

  /**
   * Resuming restarts the current step's progress deadline: the time spent paused does not count.
   */
  public Future<JsonObject> resume(String id, Caller caller) {
    return command(id, caller, conn -> Commands.resume(conn, caller.tenantId(), id));
  }

  /**
   * Promote skips the pause the deployment is in; a full promote skips every remaining pause and
   * analysis and goes straight to the full rollout (still waiting for the new replicas to be
   * ready).
   */
  public Future<JsonObject> promote(String id, boolean full, Caller caller) {
    return command(id, caller, conn -> Commands.promote(conn, caller.tenantId(), id, full));
  }

  /**
   * Approve or reject the approval gate the deployment waits at (never by the key that initiated
   * it: 403).
   */
  public Future<JsonObject> decide(String id, boolean approve, String reason, Caller caller) {
    Approvals.Decision decision =
        new Approvals.Decision(approve, caller.keyId(), caller.keyName(), reason);
    return command(id, caller, conn -> Approvals.decide(conn, caller.tenantId(), id, decision));
  }

  private interface Change {
    Future<Deployment> apply(SqlConnection conn);
  }

  /** Applies the command, writes the audit record, replies 202 with the deployment. */
  private Future<JsonObject> command(String id, Caller caller, Change change) {
    return pool.withTransaction(
        conn ->
            change
                .apply(conn)
                .compose(dep -> AuditLog.succeeded(conn, caller, id, 202).map(dep))
                .map(
                    dep ->
                        new JsonObject()
                            .put("status", 202)
                            .put("body", DeployJson.deployment(dep))
                            .put("location", "/v1/deployments/" + id)));
  }
}
