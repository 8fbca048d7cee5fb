package io.ctrlplane.provider;

import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;

/**
 * A deployment's release-phase runs with their kept output ({@code GET
 * /v1/deployments/{id}/release-phase/logs}), oldest first; a deployment of another tenant is 404.
 */
public final class ReleasePhaseLogs {
  private ReleasePhaseLogs() {}

  public static Future<JsonObject> read(SqlClient client, String tenantId, String deploymentId) {
    return client
        .preparedQuery(
            "SELECT r.id, r.release_id, rel.version, r.argv, r.outcome, r.exit_code, r.output, "
                + "r.error, r.started_at, r.finished_at FROM deployments d "
                + "LEFT JOIN release_phase_runs r ON r.deployment_id = d.id "
                + "LEFT JOIN releases rel ON rel.id = r.release_id "
                + "WHERE d.id = $1 AND d.tenant_id = $2 ORDER BY r.started_at, r.id")
        .execute(Tuple.of(deploymentId, tenantId))
        .compose(
            rs -> {
              if (rs.size() == 0) {
                return Future.failedFuture(
                    Refusal.notFound("deployment " + deploymentId + " does not exist"));
              }
              JsonArray runs = new JsonArray();
              for (Row row : rs) {
                if (row.getString("id") != null) {
                  runs.add(run(row));
                }
              }
              return Future.succeededFuture(
                  new JsonObject().put("deployment_id", deploymentId).put("runs", runs));
            });
  }

  private static JsonObject run(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put(
            "release",
            new JsonObject()
                .put("id", row.getString("release_id"))
                .put("version", row.getInteger("version")))
        .put("argv", row.getJsonArray("argv"))
        .put("outcome", row.getString("outcome"))
        .put("exit_code", row.getInteger("exit_code"))
        .put("error", row.getString("error"))
        .put("started_at", time(row.getOffsetDateTime("started_at")))
        .put("finished_at", time(row.getOffsetDateTime("finished_at")))
        .put("output", row.getString("output"));
  }

  private static String time(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
