package io.ctrlplane.runner;

import io.ctrlplane.lifecycle.Claim;
import io.ctrlplane.lifecycle.LeaseLost;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * The deployment row as the runner reads it before every move: where the plan stands and what users
 * asked for (cancel, pause, promote). Read fresh each time, so the database is the only memory a
 * runner relies on, and a runner resuming someone else's deployment needs nothing more.
 *
 * @param stepElapsedMs time since the current step started, on the database's clock
 */
record Control(
    boolean cancelRequested,
    boolean paused,
    JsonObject promote,
    String abortState,
    String abortReason,
    int checkpoint,
    int revertCheckpoint,
    long stepElapsedMs,
    boolean backgroundAccepted) {

  static final String SELECT =
      "SELECT state, lease_epoch, cancel_requested, paused, promote, abort_state, "
          + "abort_reason, checkpoint, revert_checkpoint, background_accepted, (extract(epoch FROM clock_timestamp() "
          + "- coalesce(step_started_at, clock_timestamp())) * 1000)::bigint AS step_elapsed_ms "
          + "FROM deployments WHERE id = $1";

  /**
   * Reads the control state; fails with {@link LeaseLost} once the deployment is not the claim's to
   * drive.
   */
  static Future<Control> read(SqlClient client, Claim claim) {
    return client
        .preparedQuery(SELECT)
        .execute(Tuple.of(claim.deploymentId()))
        .compose(
            rs -> {
              Row row = rs.iterator().next();
              return claim.holds(row.getString("state"), row.getLong("lease_epoch"))
                  ? Future.succeededFuture(from(row))
                  : Future.failedFuture(new LeaseLost(claim));
            });
  }

  static Control from(Row row) {
    return new Control(
        row.getBoolean("cancel_requested"),
        row.getBoolean("paused"),
        row.getJsonObject("promote"),
        row.getString("abort_state"),
        row.getString("abort_reason"),
        row.getInteger("checkpoint"),
        row.getInteger("revert_checkpoint"),
        row.getLong("step_elapsed_ms"),
        row.getBoolean("background_accepted"));
  }

  boolean aborting() {
    return abortState != null;
  }

  /** A promote aimed at step {@code index}, or a full promote. */
  boolean promoted(int index) {
    return promote != null
        && (promote.getBoolean("full", false) || promote.getInteger("step", -1) == index);
  }

  /** The decision at the approval gate of step {@code index}: approved, rejected, or null. */
  String approval(int index) {
    return promote != null && promote.getInteger("step", -1) == index
        ? promote.getString("approval")
        : null;
  }

  /** Who decided at the gate, for messages: the key's name, and the reason when one was given. */
  String approvalBy() {
    String reason = promote == null ? null : promote.getString("reason");
    return (promote == null ? "?" : promote.getString("by_key_name"))
        + (reason == null ? "" : " (" + reason + ")");
  }

  boolean fullPromote() {
    return promote != null && promote.getBoolean("full", false);
  }
}
