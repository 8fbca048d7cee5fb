package io.ctrlplane.store;

import io.ctrlplane.bus.IdempotencyKey;
import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.Problems;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * Idempotency-Key handling. A key is claimed as the first statement of the command's own
 * transaction, which then records the response, so the claim, "done" and the writes commit (or roll
 * back) together and the key costs no transaction of its own. A concurrent duplicate waits for the
 * first to commit and replays its reply. An in_flight claim left by an earlier version's crashed
 * process is taken over after {@link #STALE_CLAIM}. A refused command (404, 409, 422) is stored as
 * its problem document, so its retry is refused the same way without running again. Keys are kept
 * for 48 h.
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

  /**
   * Claims the key inside the command's own transaction (no round trip of its own): true when the
   * request is new and the command goes ahead. The claim commits with the command's writes and its
   * reply ({@link #complete}), or rolls back with them. A concurrent duplicate's claim waits on the
   * uncommitted key and then finds it done (and replays it) or gone (and runs).
   */
  static Future<Boolean> claimIn(SqlConnection conn, Key key) {
    return conn.preparedQuery(
            "INSERT INTO idempotency_keys (scope, key, request_hash, state) "
                + "VALUES ($1, $2, $3, 'in_flight') ON CONFLICT (scope, key) DO UPDATE "
                + "SET request_hash = EXCLUDED.request_hash, created_at = now() "
                + "WHERE idempotency_keys.state = 'in_flight' AND idempotency_keys.request_hash = EXCLUDED.request_hash "
                + "AND idempotency_keys.created_at < now() - interval '"
                + STALE_CLAIM
                + "' RETURNING key")
        .execute(Tuple.of(key.scope(), key.key(), key.requestHash()))
        .map(rs -> rs.size() == 1);
  }

  /**
   * The stored reply to replay for a key already used (or a refusal: 422 for another body, 409
   * while a claim of an earlier process is still in flight); null when the key is gone (run again).
   */
  static Future<JsonObject> existing(Pool pool, Key key) {
    return pool.preparedQuery(
            "SELECT request_hash, state, status, response, location FROM idempotency_keys "
                + "WHERE scope = $1 AND key = $2")
        .execute(Tuple.of(key.scope(), key.key()))
        .compose(
            rs -> {
              if (rs.size() == 0) { // its first request rolled back since: the caller runs it
                return Future.succeededFuture();
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

  /**
   * The command failed and its transaction, claim included, rolled back. A refusal that another try
   * would meet again (404, 409, 410, 422, 400) is kept under the key like a success, so a retry
   * answers the same problem and runs nothing (unless a duplicate claimed the key meanwhile);
   * anything else (503, an internal error) leaves no trace, so a retry runs it again. Fails with
   * {@code failure} either way.
   */
  static <T> Future<T> failed(Pool pool, Key key, Throwable failure) {
    Problem problem = Problems.known(failure);
    Future<Void> settled =
        key == null || problem == null || problem.status() < 400 || problem.status() >= 500
            ? Future.succeededFuture()
            : pool.preparedQuery(
                    "INSERT INTO idempotency_keys (scope, key, request_hash, state, status, response) "
                        + "VALUES ($1, $2, $3, 'done', $4, $5) ON CONFLICT (scope, key) DO NOTHING")
                .execute(
                    Tuple.of(
                        key.scope(),
                        key.key(),
                        key.requestHash(),
                        problem.status(),
                        problem.toJson()))
                .mapEmpty();
    return settled.transform(ar -> Future.failedFuture(failure));
  }

  static Future<Void> prune(Pool pool) {
    return pool.query(
            "DELETE FROM idempotency_keys WHERE created_at < now() - interval '" + RETENTION + "'")
        .execute()
        .mapEmpty();
  }
}
