package io.ctrlplane.store;

import io.ctrlplane.db.Cursor;
import io.ctrlplane.db.Pages;
import io.ctrlplane.deploy.codec.DeployJson;
import io.ctrlplane.deploy.codec.DeployRows;
import io.ctrlplane.lifecycle.Deployments;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.Objects;
import java.util.function.Function;

/**
 * The read side: single resources and keyset-paginated lists, newest first. Each list fetches one
 * row more than the page to know whether a next page exists. Every query the API reaches names the
 * caller's tenant, and another tenant's id reads exactly like an id that does not exist (404), so
 * ids cannot be probed.
 */
public final class Queries {
  private Queries() {}

  public static Future<JsonObject> instance(SqlClient client, String tenantId, String id) {
    return one(
        client,
        "SELECT "
            + DeployRows.INSTANCE_COLUMNS
            + " FROM instances i WHERE i.id = $1 AND i.tenant_id = $2 AND i.deleted_at IS NULL",
        tenantId,
        id,
        Queries::instanceJson,
        "instance");
  }

  public static Future<JsonObject> deployment(SqlClient client, String tenantId, String id) {
    return Deployments.find(client, tenantId, id).map(DeployJson::deployment);
  }

  public static Future<JsonObject> release(SqlClient client, String tenantId, String id) {
    return one(
        client,
        "SELECT "
            + DeployRows.RELEASE_COLUMNS
            + " FROM "
            + DeployRows.RELEASE_FROM
            + " WHERE r.id = $1 AND r.tenant_id = $2",
        tenantId,
        id,
        Queries::releaseJson,
        "release");
  }

  public static Future<JsonObject> instances(
      SqlClient client, String tenantId, int limit, String cursor) {
    String after = cursor == null ? null : Cursor.decode("i", cursor);
    return client
        .preparedQuery(
            "SELECT "
                + DeployRows.INSTANCE_COLUMNS
                + " FROM instances i "
                + "WHERE i.tenant_id = $1 AND i.deleted_at IS NULL AND ($2::text IS NULL OR i.id < $2) "
                + "ORDER BY i.id DESC LIMIT $3")
        .execute(Tuple.of(Objects.requireNonNull(tenantId), after, limit + 1))
        .map(
            rows ->
                Pages.of(
                    rows,
                    limit,
                    Queries::instanceJson,
                    last -> Cursor.encode("i", last.getString("id"))));
  }

  public static Future<JsonObject> releases(
      SqlClient client, String tenantId, String instanceId, int limit, String cursor) {
    Long after = cursor == null ? null : Cursor.decodeLong("r", cursor);
    return instance(client, tenantId, instanceId)
        .compose(
            i ->
                client
                    .preparedQuery(
                        "SELECT "
                            + DeployRows.RELEASE_COLUMNS
                            + " FROM "
                            + DeployRows.RELEASE_FROM
                            + " WHERE r.instance_id = $1 AND r.version < coalesce($2::int, 2147483647) ORDER BY r.version DESC LIMIT $3")
                    .execute(
                        Tuple.of(instanceId, after == null ? null : after.intValue(), limit + 1))
                    .map(
                        rows ->
                            Pages.of(
                                rows,
                                limit,
                                Queries::releaseJson,
                                last -> Cursor.encode("r", last.getInteger("version")))));
  }

  public static Future<JsonObject> deployments(
      SqlClient client, String tenantId, String instanceId, int limit, String cursor) {
    Long after = cursor == null ? null : Cursor.decodeLong("d", cursor);
    return instance(client, tenantId, instanceId)
        .compose(
            i ->
                client
                    .preparedQuery(
                        "SELECT "
                            + DeployRows.DEPLOYMENT_COLUMNS
                            + " FROM "
                            + DeployRows.DEPLOYMENT_FROM
                            + " WHERE d.instance_id = $1 AND d.seq < coalesce($2::bigint, 9223372036854775807) ORDER BY d.seq DESC LIMIT $3")
                    .execute(Tuple.of(instanceId, after, limit + 1))
                    .map(
                        rows ->
                            Pages.of(
                                rows,
                                limit,
                                Queries::deploymentJson,
                                last -> Cursor.encode("d", last.getLong("seq")))));
  }

  private static JsonObject instanceJson(Row row) {
    return DeployJson.instance(DeployRows.instance(row));
  }

  private static JsonObject releaseJson(Row row) {
    return DeployJson.release(DeployRows.release(row));
  }

  private static JsonObject deploymentJson(Row row) {
    return DeployJson.deployment(DeployRows.deployment(row));
  }

  private static Future<JsonObject> one(
      SqlClient client,
      String sql,
      String tenantId,
      String id,
      Function<Row, JsonObject> mapper,
      String what) {
    return client
        .preparedQuery(sql)
        .execute(Tuple.of(id, Objects.requireNonNull(tenantId)))
        .compose(
            rows ->
                rows.size() == 0
                    ? Future.failedFuture(Refusal.notFound(what + " " + id + " does not exist"))
                    : Future.succeededFuture(mapper.apply(rows.iterator().next())));
  }
}
