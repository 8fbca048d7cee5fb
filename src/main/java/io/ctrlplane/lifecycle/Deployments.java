package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.Deployment;
import io.ctrlplane.deploy.codec.DeployRows;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.Objects;

/**
 * Reads a deployment as a record: for the API (scoped to the caller's tenant: another tenant's id
 * reads exactly like one that does not exist) and, inside the lifecycle's transactions, as its
 * events report it.
 */
public final class Deployments {
  private Deployments() {}

  /** A deployment and the name of its instance. */
  record Named(Deployment deployment, String instanceName, String traceparent) {}

  public static Future<Deployment> find(SqlClient client, String tenantId, String id) {
    return client
        .preparedQuery(
            "SELECT "
                + DeployRows.DEPLOYMENT_COLUMNS
                + " FROM "
                + DeployRows.DEPLOYMENT_FROM
                + " WHERE d.id = $1 AND d.tenant_id = $2")
        .execute(Tuple.of(id, Objects.requireNonNull(tenantId)))
        .compose(
            rows ->
                rows.size() == 0
                    ? Future.failedFuture(notFound(id))
                    : Future.succeededFuture(DeployRows.deployment(rows.iterator().next())));
  }

  /** In whatever tenant: for the lifecycle's own events, never for an API request. */
  static Future<Named> withInstanceName(SqlClient client, String id) {
    return client
        .preparedQuery(
            "SELECT "
                + DeployRows.DEPLOYMENT_COLUMNS
                + ", i.name AS instance_name, d.traceparent AS traceparent FROM "
                + DeployRows.DEPLOYMENT_FROM
                + " JOIN instances i ON i.id = d.instance_id WHERE d.id = $1")
        .execute(Tuple.of(id))
        .compose(
            rows -> {
              if (rows.size() == 0) {
                return Future.failedFuture(notFound(id));
              }
              var row = rows.iterator().next();
              return Future.succeededFuture(
                  new Named(
                      DeployRows.deployment(row),
                      row.getString("instance_name"),
                      row.getString("traceparent")));
            });
  }

  static Refusal notFound(String id) {
    return Refusal.notFound("deployment " + id + " does not exist");
  }
}
