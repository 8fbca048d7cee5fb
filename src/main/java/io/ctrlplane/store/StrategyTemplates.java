package io.ctrlplane.store;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.db.Cursor;
import io.ctrlplane.db.Pages;
import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.Ids;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.problem.Refusal;
import io.ctrlplane.security.AuditLog;
import io.ctrlplane.strategy.Strategies;
import io.ctrlplane.strategy.json.ParamsJson;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * The strategy_templates table: a tenant's named strategy and params (created, listed, deleted
 * through the API, audited in the same transaction), and their resolution inside a deploy's,
 * rollback's or instance patch's transaction ({@link #resolve}, {@link #resolveDefault}).
 *
 * <p>Explicit params given with a template are merged over the template's params key by key (a
 * top-level key given replaces the template's value), then validated by the strategy registry like
 * any deployment params. Deployments record the resolved strategy and params.
 */
public final class StrategyTemplates {
  /** The request key the API sets when {@code strategy} names no registered strategy. */
  public static final String TEMPLATE_FIELD = "strategy_template";

  private static final String COLUMNS =
      "id, seq, name, strategy, params, created_by_key_id, created_at";

  private final Pool pool;

  public StrategyTemplates(Pool pool) {
    this.pool = pool;
  }

  /** {@code in}: name, strategy and normalised params (validated by the API). */
  public Future<JsonObject> create(JsonObject in, Caller caller) {
    String id = Ids.next("stt");
    String name = in.getString("name");
    return pool.withTransaction(
            conn ->
                conn.preparedQuery(
                        "INSERT INTO strategy_templates (id, tenant_id, name, strategy, params, "
                            + "created_by_key_id) VALUES ($1, $2, $3, $4, $5, $6)")
                    .execute(
                        Tuple.of(
                            id,
                            caller.tenantId(),
                            name,
                            in.getString("strategy"),
                            in.getJsonObject("params"),
                            caller.keyId()))
                    .compose(ok -> AuditLog.succeeded(conn, caller, id, 201))
                    .compose(ok -> get(conn, caller.tenantId(), name)))
        .recover(
            e ->
                ReleaseStore.isUniqueViolation(e, "strategy_templates_tenant_name_key")
                    ? Future.failedFuture(
                        Refusal.conflict("strategy template '" + name + "' already exists"))
                    : Future.failedFuture(e));
  }

  public Future<JsonObject> get(String tenantId, String name) {
    return get(pool, tenantId, name);
  }

  private static Future<JsonObject> get(SqlClient client, String tenantId, String name) {
    return find(client, tenantId, name)
        .compose(
            t ->
                t == null
                    ? Future.failedFuture(
                        Refusal.notFound("strategy template " + name + " does not exist"))
                    : Future.succeededFuture(t));
  }

  private static Future<JsonObject> find(SqlClient client, String tenantId, String name) {
    return client
        .preparedQuery(
            "SELECT " + COLUMNS + " FROM strategy_templates WHERE tenant_id = $1 AND name = $2")
        .execute(Tuple.of(tenantId, name))
        .map(rs -> rs.size() == 0 ? null : render(rs.iterator().next()));
  }

  public Future<JsonObject> list(String tenantId, int limit, String cursor) {
    Long after = cursor == null ? null : Cursor.decodeLong("s", cursor);
    return pool.preparedQuery(
            "SELECT "
                + COLUMNS
                + " FROM strategy_templates WHERE tenant_id = $1 "
                + "AND seq < coalesce($2::bigint, 9223372036854775807) ORDER BY seq DESC LIMIT $3")
        .execute(Tuple.of(tenantId, after, limit + 1))
        .map(rows -> Pages.bySeq(rows, limit, StrategyTemplates::render, "s"));
  }

  public Future<JsonObject> delete(String name, Caller caller) {
    return pool.withTransaction(
        conn ->
            get(conn, caller.tenantId(), name)
                .compose(
                    t ->
                        conn.preparedQuery(
                                "DELETE FROM strategy_templates WHERE tenant_id = $1 AND name = $2")
                            .execute(Tuple.of(caller.tenantId(), name))
                            .compose(ok -> AuditLog.succeeded(conn, caller, t.getString("id"), 204))
                            .map(t)));
  }

  /**
   * A deploy or rollback body with its template (if {@link #TEMPLATE_FIELD} is set) replaced by the
   * template's strategy and the merged, normalised params; 422 on {@code strategy} when the tenant
   * has no such template, on {@code strategy_params.…} when the merged params do not pass.
   */
  static Future<JsonObject> resolve(SqlClient conn, String tenantId, JsonObject in) {
    String name = in.getString(TEMPLATE_FIELD);
    if (name == null) {
      return Future.succeededFuture(in);
    }
    return find(conn, tenantId, name)
        .compose(
            t -> {
              if (t == null) {
                return Future.failedFuture(unknown("strategy", name));
              }
              JsonObject merged =
                  merge(t.getJsonObject("params"), in.getJsonObject("strategy_params"));
              JsonObject normalized = ParamsJson.normalize(t.getString("strategy"), merged);
              JsonObject out = in.copy();
              out.remove(TEMPLATE_FIELD); // resolved once: later steps see a plain strategy
              return Future.succeededFuture(
                  out.put("strategy", t.getString("strategy")).put("strategy_params", normalized));
            });
  }

  /**
   * A PATCH of an instance naming a template as {@code default_strategy}: the template's strategy,
   * and its params merged with any {@code default_strategy_params} given (normalised by the patch).
   */
  static Future<JsonObject> resolveDefault(SqlClient conn, String tenantId, JsonObject in) {
    String name = in.getString("default_strategy");
    if (name == null || Strategies.registry().isKnown(name)) {
      return Future.succeededFuture(in);
    }
    return find(conn, tenantId, name)
        .compose(
            t ->
                t == null
                    ? Future.failedFuture(unknown("default_strategy", name))
                    : Future.succeededFuture(
                        in.copy()
                            .put("default_strategy", t.getString("strategy"))
                            .put(
                                "default_strategy_params",
                                merge(
                                    t.getJsonObject("params"),
                                    in.getJsonObject("default_strategy_params")))));
  }

  private static JsonObject merge(JsonObject template, JsonObject explicit) {
    JsonObject merged = template == null ? new JsonObject() : template.copy();
    if (explicit != null) {
      explicit.forEach(e -> merged.put(e.getKey(), e.getValue()));
    }
    return merged;
  }

  private static ValidationException unknown(String field, String name) {
    return new ValidationException(
        List.of(
            new FieldError(
                field,
                "unknown strategy '"
                    + name
                    + "': expected one of "
                    + String.join(", ", Strategies.registry().names()))));
  }

  private static JsonObject render(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("name", row.getString("name"))
        .put("strategy", row.getString("strategy"))
        .put("params", row.getJsonObject("params"))
        .put("created_by_key_id", row.getString("created_by_key_id"))
        .put("created_at", row.getOffsetDateTime("created_at").toInstant().toString());
  }
}
