package io.ctrlplane.webhooks;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.db.Cursor;
import io.ctrlplane.db.Pages;
import io.ctrlplane.deploy.Ids;
import io.ctrlplane.problem.Refusal;
import io.ctrlplane.security.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL for webhook subscriptions and their deliveries: the API's side (create, list, get, delete,
 * deliveries) and the dispatcher's side (matching subscriptions, the delivery row per event).
 * Secrets leave this class only through {@link #matching} (for signing) and the creation reply when
 * the server generated them.
 */
public final class WebhookStore {
  static final String REDACTED = "********";
  private static final String COLUMNS = "id, seq, url, event_types, created_at";
  private static final String DELIVERY_COLUMNS =
      "id, seq, webhook_id, event_id, event_type, instance_id, status, "
          + "attempts, last_status_code, last_error, next_attempt_at, created_at, updated_at, finished_at";

  /** A subscription as the dispatcher needs it. */
  record Target(String id, String url, String secret) {}

  /** A delivery row's state. */
  record Delivery(String id, String status, int attempts, OffsetDateTime nextAttemptAt) {
    boolean finished() {
      return !"pending".equals(status);
    }
  }

  private final Pool pool;

  public WebhookStore(Pool pool) {
    this.pool = pool;
  }

  /** Creates the caller's subscription and its audit record in one transaction. */
  public Future<JsonObject> create(JsonObject in, Caller caller) {
    String id = Ids.next("whk");
    List<String> types = in.getJsonArray("event_types").stream().map(String.class::cast).toList();
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "INSERT INTO webhooks (id, tenant_id, url, event_types, "
                        + "secret) VALUES ($1, $2, $3, $4, $5) RETURNING "
                        + COLUMNS)
                .execute(
                    Tuple.of(
                        id,
                        caller.tenantId(),
                        in.getString("url"),
                        types.toArray(new String[0]),
                        in.getString("secret")))
                .compose(rs -> AuditLog.succeeded(conn, caller, id, 201).map(rs))
                .map(
                    rs ->
                        render(rs.iterator().next())
                            // shown once, so the caller can configure the receiver; a secret they
                            // chose stays redacted
                            .put(
                                "secret",
                                in.getBoolean("secret_generated")
                                    ? in.getString("secret")
                                    : REDACTED)));
  }

  public Future<JsonObject> get(String tenantId, String id) {
    return pool.preparedQuery(
            "SELECT " + COLUMNS + " FROM webhooks WHERE id = $1 AND tenant_id = $2")
        .execute(Tuple.of(id, tenantId))
        .compose(
            rs ->
                rs.size() == 0
                    ? Future.failedFuture(notFound(id))
                    : Future.succeededFuture(render(rs.iterator().next())));
  }

  public Future<JsonObject> list(String tenantId, int limit, String cursor) {
    Long after = cursor == null ? null : Cursor.decodeLong("w", cursor);
    return pool.preparedQuery(
            "SELECT "
                + COLUMNS
                + " FROM webhooks WHERE tenant_id = $1 "
                + "AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3")
        .execute(Tuple.of(tenantId, after, limit + 1))
        .map(rows -> Pages.bySeq(rows, limit, WebhookStore::render, "w"));
  }

  /**
   * Deletes the caller's subscription, its secret and its deliveries (with the audit record, in one
   * transaction); in-flight retries stop at their next step.
   */
  public Future<JsonObject> delete(String id, Caller caller) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery("DELETE FROM webhooks WHERE id = $1 AND tenant_id = $2")
                .execute(Tuple.of(id, caller.tenantId()))
                .compose(
                    rs ->
                        rs.rowCount() == 0
                            ? Future.failedFuture(notFound(id))
                            : AuditLog.succeeded(conn, caller, id, 204)
                                .map(v -> new JsonObject().put("id", id).put("deleted", true))));
  }

  public Future<JsonObject> deliveries(
      String tenantId, String webhookId, int limit, String cursor) {
    Long after = cursor == null ? null : Cursor.decodeLong("wd", cursor);
    return get(tenantId, webhookId)
        .compose(
            w ->
                pool.preparedQuery(
                        "SELECT "
                            + DELIVERY_COLUMNS
                            + " FROM webhook_deliveries WHERE webhook_id = $1 "
                            + "AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3")
                    .execute(Tuple.of(webhookId, after, limit + 1))
                    .map(rows -> Pages.bySeq(rows, limit, WebhookStore::renderDelivery, "wd")));
  }

  /**
   * Subscriptions that want this event: of the tenant its instance belongs to (read from the
   * instance row, not from the event, so no event can reach another tenant's receiver), its type,
   * and created no later than the event happened.
   */
  Future<List<Target>> matching(String type, String instanceId, OffsetDateTime eventTime) {
    return pool.preparedQuery(
            "SELECT w.id, w.url, w.secret FROM webhooks w JOIN instances i ON i.tenant_id = w.tenant_id "
                + "WHERE i.id = $3 AND $1 = ANY(w.event_types) AND w.created_at <= $2 ORDER BY w.seq")
        .execute(Tuple.of(type, eventTime, instanceId))
        .map(
            rows -> {
              List<Target> targets = new ArrayList<>();
              rows.forEach(
                  r ->
                      targets.add(
                          new Target(
                              r.getString("id"), r.getString("url"), r.getString("secret"))));
              return targets;
            });
  }

  /**
   * The delivery row of (subscription, event), created pending on first sight. Empty when the
   * subscription no longer exists. A redelivered Kafka record finds the existing row: finished ones
   * are not sent again; pending ones resume with their attempt count.
   */
  Future<Delivery> delivery(
      Target target, String eventId, String eventType, String instanceId, String body) {
    return pool.preparedQuery(
            "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, instance_id, "
                + "body, status, next_attempt_at) SELECT $1, $2, $3, $4, $5, $6, 'pending', now() "
                + "WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = $2) ON CONFLICT (webhook_id, event_id) DO NOTHING")
        .execute(
            Tuple.from(
                new Object[] {Ids.next("dlv"), target.id(), eventId, eventType, instanceId, body}))
        .compose(
            ok ->
                pool.preparedQuery(
                        "SELECT id, status, attempts, next_attempt_at FROM webhook_deliveries "
                            + "WHERE webhook_id = $1 AND event_id = $2")
                    .execute(Tuple.of(target.id(), eventId)))
        .map(rs -> rs.size() == 0 ? null : toDelivery(rs.iterator().next()));
  }

  /**
   * Records one attempt's outcome. {@code status}: pending (retry at {@code nextAttemptAt}),
   * succeeded or dead_lettered. False when the row is gone (the subscription was deleted).
   */
  Future<Boolean> recordAttempt(
      String deliveryId,
      String status,
      int attempts,
      Integer httpStatus,
      String error,
      OffsetDateTime nextAttemptAt) {
    return pool.preparedQuery(
            "UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status_code = $4, "
                + "last_error = $5, next_attempt_at = $6, updated_at = now(), "
                + "finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END WHERE id = $1")
        .execute(
            Tuple.from(
                new Object[] {deliveryId, status, attempts, httpStatus, error, nextAttemptAt}))
        .map(rs -> rs.rowCount() == 1);
  }

  /** Drops finished deliveries older than the retention; pending ones stay whatever their age. */
  Future<Integer> prune(int retentionHours) {
    return pool.preparedQuery(
            "DELETE FROM webhook_deliveries WHERE finished_at < now() - make_interval(hours => $1)")
        .execute(Tuple.of(retentionHours))
        .map(RowSet::rowCount);
  }

  private static Delivery toDelivery(Row row) {
    return new Delivery(
        row.getString("id"),
        row.getString("status"),
        row.getInteger("attempts"),
        row.getOffsetDateTime("next_attempt_at"));
  }

  private static JsonObject render(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("url", row.getString("url"))
        .put("event_types", new JsonArray(List.of(row.getArrayOfStrings("event_types"))))
        .put("secret", REDACTED)
        .put("created_at", time(row.getOffsetDateTime("created_at")));
  }

  private static JsonObject renderDelivery(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("webhook_id", row.getString("webhook_id"))
        .put("event_id", row.getString("event_id"))
        .put("event_type", row.getString("event_type"))
        .put("instance_id", row.getString("instance_id"))
        .put("status", row.getString("status"))
        .put("attempts", row.getInteger("attempts"))
        .put("last_status_code", row.getInteger("last_status_code"))
        .put("last_error", row.getString("last_error"))
        .put(
            "next_attempt_at",
            "pending".equals(row.getString("status"))
                ? time(row.getOffsetDateTime("next_attempt_at"))
                : null)
        .put("created_at", time(row.getOffsetDateTime("created_at")))
        .put("updated_at", time(row.getOffsetDateTime("updated_at")))
        .put("finished_at", time(row.getOffsetDateTime("finished_at")));
  }

  private static String time(OffsetDateTime t) {
    return t == null
        ? null
        : DateTimeFormatter.ISO_INSTANT.format(t.withOffsetSameInstant(ZoneOffset.UTC));
  }

  private static Refusal notFound(String id) {
    return Refusal.notFound("webhook " + id + " does not exist");
  }
}
