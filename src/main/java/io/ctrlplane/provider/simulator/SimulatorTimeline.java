package io.ctrlplane.provider.simulator;

import io.ctrlplane.store.Cursor;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;

/**
 * The fleet's append-only history. Transitions fixed in advance (started, ready, failed, crashed,
 * stopped) are written when someone looks, at the time they happened: every change and every read
 * first writes those that are due, under the fleet lock, so entries are appended in time order and
 * {@code seq} order is time order.
 */
final class SimulatorTimeline {
  private final Pool pool;

  SimulatorTimeline(Pool pool) {
    this.pool = pool;
  }

  static Future<Void> materialize(SqlConnection conn, String instanceId, OffsetDateTime now) {
    return conn.preparedQuery(FleetSql.MATERIALIZE).execute(Tuple.of(instanceId, now)).mapEmpty();
  }

  /** One page, oldest first; {@code next_cursor} is null on the last page. */
  Future<JsonObject> page(String instanceId, int limit, String cursor) {
    long after = cursor == null ? 0 : Cursor.decodeLong("t", cursor);
    return pool.withTransaction(conn -> conn.preparedQuery(FleetSql.LOCK).execute(Tuple.of(instanceId))
            .compose(locked -> conn.preparedQuery(FleetSql.NOW).execute())
            .compose(now -> materialize(conn, instanceId, now.iterator().next().getOffsetDateTime("now"))))
        .compose(v -> pool.preparedQuery(FleetSql.TIMELINE_PAGE).execute(Tuple.of(instanceId, after, limit + 1)))
        .map(rows -> {
          JsonArray items = new JsonArray();
          long last = after;
          for (Row row : rows) {
            if (items.size() == limit) {
              break;
            }
            items.add(entry(row));
            last = row.getLong("seq");
          }
          return new JsonObject().put("items", items)
              .put("next_cursor", rows.size() > limit ? Cursor.encode("t", last) : null);
        });
  }

  private static JsonObject entry(Row row) {
    String release = row.getString("release_id");
    return new JsonObject()
        .put("seq", row.getLong("seq"))
        .put("at", row.getOffsetDateTime("at").toInstant().toString())
        .put("kind", row.getString("kind"))
        .put("replica_id", row.getString("replica_id"))
        .put("release", release == null ? null : new JsonObject().put("id", release).put("version", row.getInteger("version")))
        .put("deployment_id", row.getString("deployment_id"))
        .put("epoch", row.getLong("epoch"))
        .put("detail", row.getJsonObject("detail"));
  }
}
