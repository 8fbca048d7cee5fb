package io.ctrlplane.security;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.db.Cursor;
import io.ctrlplane.db.Pages;
import io.ctrlplane.deploy.Ids;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * API keys in PostgreSQL: created (by hash; the secret never reaches this class), listed, revoked.
 * Keys are never deleted: a revoked key keeps its row so audit records and deployments that name it
 * keep making sense.
 */
public final class ApiKeyStore {
  private static final String COLUMNS =
      "id, seq, tenant_id, name, scopes, display_prefix, created_at, created_by, "
          + "revoked_at, revoked_by";

  private final Pool pool;

  public ApiKeyStore(Pool pool) {
    this.pool = pool;
  }

  /** A new key of the caller's tenant, with its audit record, in one transaction. */
  public Future<JsonObject> create(
      String name, Set<Scope> scopes, String keyHash, String displayPrefix, Caller caller) {
    String id = Ids.next("key");
    return pool.withTransaction(
        conn ->
            insert(
                    conn,
                    id,
                    caller.tenantId(),
                    name,
                    scopes,
                    keyHash,
                    displayPrefix,
                    caller.keyId())
                .compose(key -> AuditLog.succeeded(conn, caller, id, 201).map(key)));
  }

  /**
   * The operator's way in (the {@code keys create} command, with database access): creates the
   * tenant when it does not exist yet, then the key. Audited with no acting key.
   */
  public Future<JsonObject> createForOperator(
      String tenantId, String name, Set<Scope> scopes, String keyHash, String displayPrefix) {
    String id = Ids.next("key");
    Caller operator =
        new Caller(
            tenantId, null, "operator (ctrlplane keys create)", Ids.next("req"), "api_key.create");
    return pool.withTransaction(
        conn ->
            conn.preparedQuery("INSERT INTO tenants (id) VALUES ($1) ON CONFLICT (id) DO NOTHING")
                .execute(Tuple.of(tenantId))
                .compose(
                    ok -> insert(conn, id, tenantId, name, scopes, keyHash, displayPrefix, null))
                .compose(key -> AuditLog.succeeded(conn, operator, id, 201).map(key)));
  }

  public Future<JsonObject> get(String tenantId, String id) {
    return pool.preparedQuery(
            "SELECT " + COLUMNS + " FROM api_keys WHERE id = $1 AND tenant_id = $2")
        .execute(Tuple.of(id, tenantId))
        .compose(
            rs ->
                rs.size() == 0
                    ? Future.failedFuture(notFound(id))
                    : Future.succeededFuture(render(rs.iterator().next())));
  }

  public Future<JsonObject> list(String tenantId, int limit, String cursor) {
    Long after = cursor == null ? null : Cursor.decodeLong("k", cursor);
    return pool.preparedQuery(
            "SELECT "
                + COLUMNS
                + " FROM api_keys WHERE tenant_id = $1 "
                + "AND seq < coalesce($2::bigint, 9223372036854775807) ORDER BY seq DESC LIMIT $3")
        .execute(Tuple.of(tenantId, after, limit + 1))
        .map(rows -> Pages.bySeq(rows, limit, ApiKeyStore::render, "k"));
  }

  /**
   * Revokes a key of the caller's tenant. Takes effect with the commit: every API process looks
   * keys up on every request. The configured bootstrap key has no row: it is revoked by changing
   * the configuration, and says so.
   */
  public Future<JsonObject> revoke(String id, Caller caller) {
    if (Principal.BOOTSTRAP_KEY_ID.equals(id)
        && Principal.DEFAULT_TENANT.equals(caller.tenantId())) {
      return Future.failedFuture(
          Refusal.conflict(
              "the bootstrap key comes from configuration "
                  + "(CTRLPLANE_BOOTSTRAP_API_KEY): unset or change it and restart the API processes to revoke it"));
    }
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "SELECT revoked_at FROM api_keys WHERE id = $1 AND tenant_id = $2 FOR UPDATE")
                .execute(Tuple.of(id, caller.tenantId()))
                .compose(
                    rs -> {
                      if (rs.size() == 0) {
                        return Future.failedFuture(notFound(id));
                      }
                      if (rs.iterator().next().getOffsetDateTime("revoked_at") != null) {
                        return Future.failedFuture(
                            Refusal.conflict("api key " + id + " is already revoked"));
                      }
                      return conn.preparedQuery(
                              "UPDATE api_keys SET revoked_at = now(), revoked_by = $2 WHERE id = $1")
                          .execute(Tuple.of(id, caller.keyId()))
                          .compose(ok -> AuditLog.succeeded(conn, caller, id, 204))
                          .map(v -> new JsonObject().put("id", id).put("revoked", true));
                    }));
  }

  private static Future<JsonObject> insert(
      SqlClient conn,
      String id,
      String tenantId,
      String name,
      Set<Scope> scopes,
      String keyHash,
      String displayPrefix,
      String createdBy) {
    return conn.preparedQuery(
            "INSERT INTO api_keys (id, tenant_id, name, scopes, key_hash, display_prefix, created_by) "
                + "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING "
                + COLUMNS)
        .execute(
            Tuple.from(
                new Object[] {
                  id, tenantId, name, Scope.toArray(scopes), keyHash, displayPrefix, createdBy
                }))
        .map(rs -> render(rs.iterator().next()));
  }

  private static JsonObject render(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("name", row.getString("name"))
        .put("tenant_id", row.getString("tenant_id"))
        .put("scopes", new JsonArray(List.of(row.getArrayOfStrings("scopes"))))
        .put("prefix", row.getString("display_prefix"))
        .put("created_at", time(row.getOffsetDateTime("created_at")))
        .put("created_by", row.getString("created_by"))
        .put("revoked_at", time(row.getOffsetDateTime("revoked_at")))
        .put("revoked_by", row.getString("revoked_by"));
  }

  private static String time(OffsetDateTime t) {
    return t == null
        ? null
        : DateTimeFormatter.ISO_INSTANT.format(t.withOffsetSameInstant(ZoneOffset.UTC));
  }

  private static Refusal notFound(String id) {
    return Refusal.notFound("api key " + id + " does not exist");
  }

  /**
   * Which of {@code keyIds} are revoked now (ids with no row, like the bootstrap key's, are not).
   */
  public static Future<Set<String>> revoked(SqlClient client, Set<String> keyIds) {
    return client
        .preparedQuery("SELECT id FROM api_keys WHERE id = ANY($1) AND revoked_at IS NOT NULL")
        .execute(Tuple.of(keyIds.toArray(new String[0])))
        .map(
            rows -> {
              Set<String> revoked = new HashSet<>();
              rows.forEach(r -> revoked.add(r.getString("id")));
              return revoked;
            });
  }
}
