package io.ctrlplane.store;

import io.ctrlplane.bus.IdempotencyKey;
import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * Idempotency-Key handling. A key is first claimed in its own short transaction (state in_flight),
 * so a concurrent duplicate sees it at once (409) instead of waiting; the command's own transaction
 * then records the response, so "done" and the writes commit together. A claim left by a crashed
 * process is taken over after {@link #STALE_CLAIM}. Keys are kept for 48 h.
 */
final class Idempotency {
  static final String STALE_CLAIM = "5 minutes";
  static final String RETENTION = "48 hours";

  /** The key of one request: where it was used, the key itself and a hash of the body. */
  record Key(String scope, String key, String requestHash) {
    static Key from(IdempotencyKey sent) {
      return sent == null ? null : new Key(sent.scope(), sent.key(), sent.hash());
    }
  }

  private Idempotency() {}

  /** Returns null when the request is new (go ahead), or the stored reply to replay. */
  static Future<JsonObject> claim(Pool pool, Key key) {
    if (key == null) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(
            "INSERT INTO idempotency_keys (scope, key, request_hash, state) "
                + "VALUES ($1, $2, $3, 'in_flight') ON CONFLICT (scope, key) DO UPDATE "
                + "SET request_hash = EXCLUDED.request_hash, created_at = now() "
                + "WHERE idempotency_keys.state = 'in_flight' AND idempotency_keys.request_hash = EXCLUDED.request_hash "
                + "AND idempotency_keys.created_at < now() - interval '"
                + STALE_CLAIM
                + "' RETURNING key")
        .execute(Tuple.of(key.scope(), key.key(), key.requestHash()))
        .compose(rs -> rs.size() == 1 ? Future.succeededFuture() : existing(pool, key));
  }

  private static Future<JsonObject> existing(Pool pool, Key key) {
    return pool.preparedQuery(
            "SELECT request_hash, state, status, response, location FROM idempotency_keys "
                + "WHERE scope = $1 AND key = $2")
        .execute(Tuple.of(key.scope(), key.key()))
        .compose(
            rs -> {
              if (rs.size() == 0) { // released between our insert and select: try once more
                return claim(pool, key);
              }
              Row row = rs.iterator().next();
              if (!row.getString("request_hash").equals(key.requestHash())) {
                String rule =
                    "was already used with a different request body; use a new key for a new request";
                return Future.failedFuture(
                    new Refusal(
                        Refusal.Reason.UNPROCESSABLE,
                        "Idempotency-Key reused",
                        "Idempotency-Key '" + key.key() + "' " + rule,
                        List.of(new FieldError("Idempotency-Key", rule))));
              }
              if ("in_flight".equals(row.getString("state"))) {
                return Future.failedFuture(
                    Refusal.conflict(
                        "a request with Idempotency-Key '"
                            + key.key()
                            + "' is still in progress; retry later"));
              }
              return Future.succeededFuture(
                  new JsonObject()
                      .put("status", row.getInteger("status"))
                      .put("body", row.getJsonObject("response"))
                      .put("location", row.getString("location"))
                      .put("replayed", true));
            });
  }

  /** Records the reply inside the command's transaction. */
  static Future<Void> complete(SqlConnection conn, Key key, JsonObject reply) {
    if (key == null) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(
            "UPDATE idempotency_keys SET state = 'done', status = $3, response = $4, "
                + "location = $5 WHERE scope = $1 AND key = $2")
        .execute(
            Tuple.of(
                key.scope(),
                key.key(),
                reply.getInteger("status"),
                reply.getJsonObject("body"),
                reply.getString("location")))
        .mapEmpty();
  }

  /** The command failed and wrote nothing: forget the claim so a retry runs it again. */
  static Future<Void> release(Pool pool, Key key) {
    if (key == null) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(
            "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in_flight'")
        .execute(Tuple.of(key.scope(), key.key()))
        .mapEmpty();
  }

  static Future<Void> prune(Pool pool) {
    return pool.query(
            "DELETE FROM idempotency_keys WHERE created_at < now() - interval '" + RETENTION + "'")
        .execute()
        .mapEmpty();
  }
}
