package io.ctrlplane.store;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.db.Cursor;
import io.ctrlplane.db.Pages;
import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.Freeze;
import io.ctrlplane.deploy.FreezeRules;
import io.ctrlplane.deploy.Ids;
import io.ctrlplane.problem.Refusal;
import io.ctrlplane.security.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The freezes table: created, listed and deleted through the API (audited in the same transaction),
 * and consulted by every deploy, config release and scale ({@link #check}) inside that command's
 * transaction. Whether a freeze holds is the domain's ({@link Freeze#activeUntil}).
 */
public final class Freezes {
  private static final String COLUMNS =
      "id, seq, instance_id, starts_at, ends_at, weekly, reason, created_by_key_id, created_at";

  private final Pool pool;

  public Freezes(Pool pool) {
    this.pool = pool;
  }

  public Future<JsonObject> create(JsonObject in, Caller caller) {
    String id = Ids.next("frz");
    String instanceId = in.getString("instance_id");
    return pool.withTransaction(
        conn ->
            instanceExists(conn, caller.tenantId(), instanceId)
                .compose(
                    ok ->
                        conn.preparedQuery(
                                "INSERT INTO freezes (id, tenant_id, instance_id, starts_at, ends_at, "
                                    + "weekly, reason, created_by_key_id) "
                                    + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                            .execute(
                                Tuple.from(
                                    new Object[] {
                                      id,
                                      caller.tenantId(),
                                      instanceId,
                                      offset(in.getString("starts_at")),
                                      offset(in.getString("ends_at")),
                                      in.getJsonObject("weekly"),
                                      in.getString("reason"),
                                      caller.keyId()
                                    })))
                .compose(ok -> AuditLog.succeeded(conn, caller, id, 201))
                .compose(ok -> get(conn, caller.tenantId(), id)));
  }

  private static Future<Void> instanceExists(SqlClient conn, String tenantId, String instanceId) {
    if (instanceId == null) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(
            "SELECT 1 FROM instances WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
        .execute(Tuple.of(instanceId, tenantId))
        .compose(
            rs ->
                rs.size() > 0
                    ? Future.succeededFuture()
                    : Future.failedFuture(
                        new Refusal(
                            Refusal.Reason.UNPROCESSABLE,
                            "Unprocessable Content",
                            "instance_id: instance " + instanceId + " does not exist",
                            List.of(new FieldError("instance_id", "no such instance")))));
  }

  public Future<JsonObject> get(SqlClient client, String tenantId, String id) {
    return client
        .preparedQuery("SELECT " + COLUMNS + " FROM freezes WHERE id = $1 AND tenant_id = $2")
        .execute(Tuple.of(id, tenantId))
        .compose(
            rs ->
                rs.size() == 0
                    ? Future.failedFuture(Refusal.notFound("freeze " + id + " does not exist"))
                    : Future.succeededFuture(render(rs.iterator().next(), Instant.now())));
  }

  public Future<JsonObject> get(String tenantId, String id) {
    return get(pool, tenantId, id);
  }

  /** {@code instanceId}: only the freezes that apply to it (its own and the tenant's), or all. */
  public Future<JsonObject> list(String tenantId, String instanceId, int limit, String cursor) {
    Long after = cursor == null ? null : Cursor.decodeLong("f", cursor);
    Instant now = Instant.now();
    return pool.preparedQuery(
            "SELECT "
                + COLUMNS
                + " FROM freezes WHERE tenant_id = $1 "
                + "AND ($2::text IS NULL OR instance_id IS NULL OR instance_id = $2) "
                + "AND seq < coalesce($3::bigint, 9223372036854775807) ORDER BY seq DESC LIMIT $4")
        .execute(Tuple.of(tenantId, instanceId, after, limit + 1))
        .map(rows -> Pages.bySeq(rows, limit, row -> render(row, now), "f"));
  }

  public Future<JsonObject> delete(String id, Caller caller) {
    return pool.withTransaction(
        conn ->
            get(conn, caller.tenantId(), id)
                .compose(
                    freeze ->
                        conn.preparedQuery("DELETE FROM freezes WHERE id = $1 AND tenant_id = $2")
                            .execute(Tuple.of(id, caller.tenantId()))
                            .compose(ok -> AuditLog.succeeded(conn, caller, id, 204))
                            .map(freeze)));
  }

  /**
   * Inside a deploy's, config release's or scale's transaction: refuses it (409 naming the freeze
   * and when it ends) while a freeze of the instance or its tenant holds, unless {@code override}
   * ({@code {reason}}, sent by an admin key) is given; an override is recorded with its reason and
   * audited as {@code freeze.override}, once per freeze it overrides.
   */
  static Future<Void> check(SqlClient conn, Caller caller, String instanceId, JsonObject override) {
    Instant now = Instant.now();
    return conn.preparedQuery(
            "SELECT "
                + COLUMNS
                + " FROM freezes WHERE tenant_id = $1 AND (instance_id IS NULL OR instance_id = $2)")
        .execute(Tuple.of(caller.tenantId(), instanceId))
        .compose(
            rows -> {
              List<Freeze> freezes = new ArrayList<>();
              rows.forEach(row -> freezes.add(freeze(row)));
              List<Freeze.Active> holding = Freeze.holding(freezes, now);
              if (holding.isEmpty()) {
                return Future.succeededFuture();
              }
              if (override == null) {
                return Future.failedFuture(frozen(instanceId, holding));
              }
              Future<Void> recorded = Future.succeededFuture();
              for (Freeze.Active a : holding) {
                recorded =
                    recorded.compose(
                        v -> recordOverride(conn, caller, instanceId, a.freeze(), override));
              }
              return recorded;
            });
  }

  private static Refusal frozen(String instanceId, List<Freeze.Active> holding) {
    Freeze.Active last = holding.get(0);
    Freeze f = last.freeze();
    String detail =
        "instance "
            + instanceId
            + " is frozen by "
            + f.id()
            + (f.instanceId() == null ? " (the whole tenant)" : "")
            + " until "
            + last.until()
            + ": "
            + f.reason()
            + (holding.size() > 1 ? " (and " + (holding.size() - 1) + " more freeze(s))" : "")
            + "; an admin key may send override_freeze {reason}, and rollbacks are never frozen";
    return new Refusal(Refusal.Reason.CONFLICT, "Frozen", detail, List.of());
  }

  private static Future<Void> recordOverride(
      SqlClient conn, Caller caller, String instanceId, Freeze freeze, JsonObject override) {
    return conn.preparedQuery(
            "INSERT INTO freeze_overrides (id, tenant_id, freeze_id, instance_id, actor_key_id, "
                + "request_id, action, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .execute(
            Tuple.from(
                new Object[] {
                  Ids.next("fov"),
                  caller.tenantId(),
                  freeze.id(),
                  instanceId,
                  caller.keyId(),
                  caller.requestId() == null ? "unknown" : caller.requestId(),
                  caller.action(),
                  override.getString("reason")
                }))
        .compose(
            ok ->
                AuditLog.append(
                    conn,
                    new AuditLog.Entry(
                        caller.tenantId(),
                        caller.keyId(),
                        caller.keyName(),
                        "freeze.override",
                        freeze.id(),
                        caller.requestId(),
                        AuditLog.SUCCEEDED,
                        202)));
  }

  static Freeze freeze(Row row) {
    JsonObject w = row.getJsonObject("weekly");
    Freeze.Weekly weekly = null;
    if (w != null) {
      List<FieldError> errors = new ArrayList<>();
      weekly =
          FreezeRules.weekly(
              w.getJsonArray("days").getList(),
              w.getString("from"),
              w.getString("to"),
              w.getString("time_zone"),
              errors);
    }
    return new Freeze(
        row.getString("id"),
        row.getString("instance_id"),
        time(row, "starts_at"),
        time(row, "ends_at"),
        weekly,
        row.getString("reason"));
  }

  private static JsonObject render(Row row, Instant now) {
    Optional<Instant> until = freeze(row).activeUntil(now);
    JsonObject weekly = row.getJsonObject("weekly");
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("instance_id", row.getString("instance_id"))
        .put("starts_at", text(time(row, "starts_at")))
        .put("ends_at", text(time(row, "ends_at")))
        .put("weekly", weekly == null ? null : weekly.copy())
        .put("reason", row.getString("reason"))
        .put("created_by_key_id", row.getString("created_by_key_id"))
        .put("created_at", text(time(row, "created_at")))
        .put("active", until.isPresent())
        .put("active_until", until.map(Freezes::text).orElse(null));
  }

  private static Instant time(Row row, String column) {
    OffsetDateTime t = row.getOffsetDateTime(column);
    return t == null ? null : t.toInstant();
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  private static OffsetDateTime offset(String instant) {
    return instant == null ? null : Instant.parse(instant).atOffset(ZoneOffset.UTC);
  }
}
