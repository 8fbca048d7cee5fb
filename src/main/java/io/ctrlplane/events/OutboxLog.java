package io.ctrlplane.events;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The relay's and the replay API's SQL on the outbox (the writers' side is {@code store.Outbox}).
 * Positions order the log: see V3__event_log_and_webhooks.sql for why outbox.seq cannot.
 */
public final class OutboxLog {
  /** An outbox row waiting for Kafka. */
  record Pending(long seq, String instanceId, String event) {}

  private static final int PRUNE_CHUNK = 5000;

  private OutboxLog() {}

  /**
   * Gives the committed, unpositioned rows the next positions, in seq order. The counter row lock
   * makes positioning transactions run one after another, so positions become visible in increasing
   * order.
   */
  static Future<Integer> assignPositions(Pool pool, int limit) {
    return pool.withTransaction(
        conn ->
            conn.query("SELECT last_position FROM outbox_positions WHERE id = 1 FOR UPDATE")
                .execute()
                .compose(
                    rs -> {
                      long last = rs.iterator().next().getLong("last_position");
                      return conn.preparedQuery(
                              "UPDATE outbox o SET position = $1 + t.n FROM (SELECT seq, "
                                  + "row_number() OVER (ORDER BY seq) AS n FROM outbox WHERE position IS NULL ORDER BY seq LIMIT $2) t "
                                  + "WHERE o.seq = t.seq")
                          .execute(Tuple.of(last, limit))
                          .compose(
                              updated ->
                                  updated.rowCount() == 0
                                      ? Future.succeededFuture(0)
                                      : conn.preparedQuery(
                                              "UPDATE outbox_positions SET last_position = $1 WHERE id = 1")
                                          .execute(Tuple.of(last + updated.rowCount()))
                                          .map(updated.rowCount()));
                    }));
  }

  static Future<List<Pending>> unpublished(SqlClient conn, int limit) {
    return conn.preparedQuery(
            "SELECT seq, instance_id, event::text AS event FROM outbox "
                + "WHERE published_at IS NULL AND position IS NOT NULL ORDER BY position LIMIT $1")
        .execute(Tuple.of(limit))
        .map(
            rows -> {
              List<Pending> pending = new ArrayList<>(rows.size());
              rows.forEach(
                  r ->
                      pending.add(
                          new Pending(
                              r.getLong("seq"), r.getString("instance_id"), r.getString("event"))));
              return pending;
            });
  }

  static Future<Void> markPublished(SqlClient conn, List<Long> seqs) {
    if (seqs.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery("UPDATE outbox SET published_at = now() WHERE seq = ANY($1)")
        .execute(Tuple.of(seqs.toArray(new Long[0])))
        .mapEmpty();
  }

  /**
   * Deletes rows published more than {@code retentionHours} ago, in chunks so no statement holds
   * many row locks for long. Unpublished rows are never pruned. Returns how many rows went.
   */
  public static Future<Integer> prune(Pool pool, int retentionHours) {
    return pool.preparedQuery(
            "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox "
                + "WHERE published_at < now() - make_interval(hours => $1) ORDER BY seq LIMIT $2)")
        .execute(Tuple.of(retentionHours, PRUNE_CHUNK))
        .compose(
            rs ->
                rs.rowCount() < PRUNE_CHUNK
                    ? Future.succeededFuture(rs.rowCount())
                    : prune(pool, retentionHours).map(more -> more + rs.rowCount()));
  }

  /**
   * One page of the tenant's retained log after {@code after} (positions are global, so a tenant's
   * positions have gaps where other tenants' events are): {@code items} ({@code seq} = position,
   * {@code event}), {@code next_cursor} (pass it back as {@code after}), {@code has_more}. Fails
   * with {@link Gone} when events after {@code after} were already pruned, so a client learns it
   * missed some instead of silently skipping them.
   */
  public static Future<JsonObject> page(SqlClient client, String tenantId, long after, int limit) {
    return client
        .preparedQuery(
            "SELECT position, event FROM outbox WHERE tenant_id = $1 AND position > $2 "
                + "ORDER BY position LIMIT $3")
        .execute(Tuple.of(java.util.Objects.requireNonNull(tenantId), after, limit + 1))
        .compose(
            rows ->
                oldestRetained(client)
                    .compose(
                        oldest -> {
                          if (after > 0 && after + 1 < oldest) {
                            return Future.failedFuture(new Gone(after, oldest));
                          }
                          JsonArray items = new JsonArray();
                          long next = after;
                          int n = 0;
                          for (Row row : rows) {
                            if (n++ == limit) {
                              break;
                            }
                            next = row.getLong("position");
                            items.add(
                                new JsonObject()
                                    .put("seq", next)
                                    .put("event", row.getJsonObject("event")));
                          }
                          return Future.succeededFuture(
                              new JsonObject()
                                  .put("items", items)
                                  .put("next_cursor", next)
                                  .put("has_more", rows.size() > limit));
                        }));
  }

  /** The lowest position still retained; one past the last position handed out when none is. */
  private static Future<Long> oldestRetained(SqlClient client) {
    return client
        .query(
            "SELECT coalesce((SELECT min(position) FROM outbox), "
                + "(SELECT last_position + 1 FROM outbox_positions WHERE id = 1)) AS oldest")
        .execute()
        .map(rs -> rs.iterator().next().getLong("oldest"));
  }

  /** The events a replay asked for were pruned (retention). */
  public static final class Gone extends RuntimeException {
    public Gone(long after, long oldest) {
      super(
          "events after seq "
              + after
              + " are no longer retained: the oldest retained event is seq "
              + oldest
              + "; restart from after=0 (or after="
              + (oldest - 1)
              + ") and expect a gap",
          null,
          false,
          false);
    }
  }
}
