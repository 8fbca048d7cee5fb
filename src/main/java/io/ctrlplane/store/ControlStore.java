package io.ctrlplane.store;

import io.ctrlplane.problem.Refusal;
import io.ctrlplane.security.AuditLog;
import io.ctrlplane.security.Caller;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Pause, resume and promote: each sets a flag on a running deployment, in a transaction that first
 * checks it applies (409 otherwise). The runner driving the deployment reads the flags before every
 * move, so they take effect within a tick.
 */
public final class ControlStore {
  private static final String LOCK =
      "SELECT state, paused, abort_state, cancel_requested, plan, checkpoint "
          + "FROM deployments WHERE id = $1 AND tenant_id = $2 FOR UPDATE";

  private final Pool pool;

  public ControlStore(Pool pool) {
    this.pool = pool;
  }

  public Future<JsonObject> pause(String id, Caller caller) {
    return command(
        id,
        caller,
        (conn, row) -> {
          if (row.getBoolean("paused")) {
            return conflict(id, "is already paused");
          }
          return conn.preparedQuery(
                  "UPDATE deployments SET paused = true, updated_at = now() WHERE id = $1")
              .execute(Tuple.of(id))
              .mapEmpty();
        });
  }

  /**
   * Resuming restarts the current step's progress deadline: the time spent paused does not count.
   */
  public Future<JsonObject> resume(String id, Caller caller) {
    return command(
        id,
        caller,
        (conn, row) -> {
          if (!row.getBoolean("paused")) {
            return conflict(id, "is not paused");
          }
          return conn.preparedQuery(
                  "UPDATE deployments SET paused = false, step_started_at = now(), updated_at = now() "
                      + "WHERE id = $1")
              .execute(Tuple.of(id))
              .mapEmpty();
        });
  }

  /**
   * Promote skips the pause the deployment is in; a full promote skips every remaining pause and
   * analysis and goes straight to the full rollout (still waiting for the new replicas to be
   * ready).
   */
  public Future<JsonObject> promote(String id, boolean full, Caller caller) {
    return command(
        id,
        caller,
        (conn, row) -> {
          JsonObject plan = row.getJsonObject("plan");
          if (plan == null) {
            return conflict(id, "has not started its plan yet");
          }
          int step = row.getInteger("checkpoint");
          JsonArray steps = plan.getJsonArray("steps");
          boolean inPause =
              step < steps.size() && "pause".equals(steps.getJsonObject(step).getString("type"));
          Integer finishFrom = plan.getInteger("finish_from");
          boolean skippable = full && finishFrom != null && step < finishFrom;
          if (!inPause && !skippable) {
            String at =
                step < steps.size()
                    ? "step "
                        + (step + 1)
                        + " ("
                        + steps.getJsonObject(step).getString("description")
                        + ")"
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
    Future<Void> apply(SqlConnection conn, Row row);
  }

  /**
   * Locks the caller's deployment, checks it is running and not reverting, applies, writes the
   * audit record, replies 202 with it.
   */
  private Future<JsonObject> command(String id, Caller caller, Change change) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(LOCK)
                .execute(Tuple.of(id, caller.tenantId()))
                .compose(
                    rs -> {
                      if (rs.size() == 0) {
                        return Future.failedFuture(
                            Refusal.notFound("deployment " + id + " does not exist"));
                      }
                      Row row = rs.iterator().next();
                      if (!"running".equals(row.getString("state"))) {
                        return conflict(
                            id,
                            "is "
                                + row.getString("state")
                                + ": only a running deployment can be paused, resumed or promoted");
                      }
                      if (row.getString("abort_state") != null
                          || row.getBoolean("cancel_requested")) {
                        return conflict(id, "is being reverted");
                      }
                      return change
                          .apply(conn, row)
                          .compose(v -> AuditLog.succeeded(conn, caller, id, 202))
                          .compose(v -> Queries.deployment(conn, caller.tenantId(), id))
                          .map(
                              dep ->
                                  new JsonObject()
                                      .put("status", 202)
                                      .put("body", dep)
                                      .put("location", "/v1/deployments/" + id));
                    }));
  }

  private static <T> Future<T> conflict(String id, String why) {
    return Future.failedFuture(Refusal.conflict("deployment " + id + " " + why));
  }
}
