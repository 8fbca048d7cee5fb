package io.ctrlplane.security;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.db.Cursor;
import io.ctrlplane.db.Pages;
import io.ctrlplane.deploy.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The audit trail's SQL. A change writes its record with {@link #succeeded} inside its own
 * transaction, so the change and its record commit (or roll back) together; a request that changed
 * nothing (refused, failed, or replayed from its Idempotency-Key) writes one record of its own. The
 * table is append-only by trigger. Records hold ids and outcomes only, never request bodies.
 */
public final class AuditLog {
  public static final String SUCCEEDED = "succeeded";
  public static final String REPLAYED = "replayed";
  public static final String REFUSED = "refused";
  public static final String FAILED = "failed";

  private static final String INSERT =
      "INSERT INTO audit_log (id, tenant_id, actor_key_id, actor_key_name, action, "
          + "resource_id, request_id, outcome, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
  private static final String COLUMNS =
      "id, seq, at, tenant_id, actor_key_id, actor_key_name, action, resource_id, "
          + "request_id, outcome, status";

  /** One record. {@code tenantId} and the actor are null for a request without a valid key. */
  public record Entry(
      String tenantId,
      String keyId,
      String keyName,
      String action,
      String resourceId,
      String requestId,
      String outcome,
      int status) {

    public static Entry of(Caller caller, String resourceId, String outcome, int status) {
      return new Entry(
          caller.tenantId(),
          caller.keyId(),
          caller.keyName(),
          caller.action(),
          resourceId,
          caller.requestId(),
          outcome,
          status);
    }
  }

  private AuditLog() {}

  /** The record of a change, in the change's transaction. */
  public static Future<Void> succeeded(
      SqlClient conn, Caller caller, String resourceId, int status) {
    return append(conn, Entry.of(caller, resourceId, SUCCEEDED, status));
  }

  public static Future<Void> append(SqlClient client, Entry e) {
    return client
        .preparedQuery(INSERT)
        .execute(
            Tuple.from(
                new Object[] {
                  Ids.next("aud"),
                  e.tenantId(),
                  e.keyId(),
                  e.keyName(),
                  e.action(),
                  e.resourceId(),
                  e.requestId() == null ? "unknown" : e.requestId(),
                  e.outcome(),
                  e.status()
                }))
        .mapEmpty();
  }

  /** A page of the tenant's records, newest first, keyset-paginated like every other list. */
  public static Future<JsonObject> page(
      SqlClient client, String tenantId, int limit, String cursor) {
    Long after = cursor == null ? null : Cursor.decodeLong("a", cursor);
    return client
        .preparedQuery(
            "SELECT "
                + COLUMNS
                + " FROM audit_log WHERE tenant_id = $1 "
                + "AND seq < coalesce($2::bigint, 9223372036854775807) ORDER BY seq DESC LIMIT $3")
        .execute(Tuple.of(tenantId, after, limit + 1))
        .map(rows -> Pages.bySeq(rows, limit, AuditLog::render, "a"));
  }

  private static JsonObject render(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put(
            "at",
            DateTimeFormatter.ISO_INSTANT.format(
                row.getOffsetDateTime("at").withOffsetSameInstant(ZoneOffset.UTC)))
        .put("tenant_id", row.getString("tenant_id"))
        .put(
            "actor",
            new JsonObject()
                .put("key_id", row.getString("actor_key_id"))
                .put("key_name", row.getString("actor_key_name")))
        .put("action", row.getString("action"))
        .put("resource_id", row.getString("resource_id"))
        .put("request_id", row.getString("request_id"))
        .put("outcome", row.getString("outcome"))
        .put("status", row.getInteger("status"));
  }
}
