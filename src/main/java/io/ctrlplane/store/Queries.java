package io.ctrlplane.store;

import io.ctrlplane.db.Cursor;
import io.ctrlplane.db.Pages;
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
            + Rows.INSTANCE_COLUMNS
            + " FROM instances i WHERE i.id = $1 AND i.tenant_id = $2",
        tenantId,
        id,
        Rows::instance,
        "instance");
  }

  public static Future<JsonObject> deployment(SqlClient client, String tenantId, String id) {
    return one(
        client,
        "SELECT "
            + Rows.DEPLOYMENT_COLUMNS
            + " FROM "
            + Rows.DEPLOYMENT_FROM
            + " WHERE d.id = $1 AND d.tenant_id = $2",
        tenantId,
        id,
        Rows::deployment,
        "deployment");
  }

  /**
   * A deployment's event data ({@link Outbox#data}) as it is inside the caller's transaction, in
   * one read; in whatever tenant: for the runner, which works for every tenant, never for an API
   * request.
   */
  public static Future<JsonObject> eventData(SqlClient client, String deploymentId) {
    return client
        .preparedQuery(
            "SELECT "
                + Rows.DEPLOYMENT_COLUMNS
                + ", i.name AS instance_name FROM "
                + Rows.DEPLOYMENT_FROM
                + " JOIN instances i ON i.id = d.instance_id WHERE d.id = $1")
        .execute(Tuple.of(deploymentId))
        .compose(
            rows ->
                rows.size() == 0
                    ? Future.failedFuture(
                        Refusal.notFound("deployment " + deploymentId + " does not exist"))
                    : Future.succeededFuture(
                        Outbox.data(
                            Rows.deployment(rows.iterator().next()),
                            rows.iterator().next().getString("instance_name"))));
  }

  public static Future<JsonObject> release(SqlClient client, String tenantId, String id) {
    return one(
        client,
        "SELECT "
            + Rows.RELEASE_COLUMNS
            + " FROM "
            + Rows.RELEASE_FROM
            + " WHERE r.id = $1 AND r.tenant_id = $2",
        tenantId,
        id,
        Rows::release,
        "release");
  }

  public static Future<JsonObject> instances(
      SqlClient client, String tenantId, int limit, String cursor) {
    String after = cursor == null ? null : Cursor.decode("i", cursor);
    return client
        .preparedQuery(
            "SELECT "
                + Rows.INSTANCE_COLUMNS
                + " FROM instances i "
                + "WHERE i.tenant_id = $1 AND ($2::text IS NULL OR i.id < $2) ORDER BY i.id DESC LIMIT $3")
        .execute(Tuple.of(Objects.requireNonNull(tenantId), after, limit + 1))
        .map(
            rows ->
                Pages.of(
                    rows, limit, Rows::instance, last -> Cursor.encode("i", last.getString("id"))));
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
                            + Rows.RELEASE_COLUMNS
                            + " FROM "
                            + Rows.RELEASE_FROM
                            + " WHERE r.instance_id = $1 AND r.version < coalesce($2::int, 2147483647) ORDER BY r.version DESC LIMIT $3")
                    .execute(
                        Tuple.of(instanceId, after == null ? null : after.intValue(), limit + 1))
                    .map(
                        rows ->
                            Pages.of(
                                rows,
                                limit,
                                Rows::release,
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
                            + Rows.DEPLOYMENT_COLUMNS
                            + " FROM "
                            + Rows.DEPLOYMENT_FROM
                            + " WHERE d.instance_id = $1 AND d.seq < coalesce($2::bigint, 9223372036854775807) ORDER BY d.seq DESC LIMIT $3")
                    .execute(Tuple.of(instanceId, after, limit + 1))
                    .map(
                        rows ->
                            Pages.of(
                                rows,
                                limit,
                                Rows::deployment,
                                last -> Cursor.encode("d", last.getLong("seq")))));
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
