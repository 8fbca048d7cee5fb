package io.ctrlplane.provider.simulator;

import io.ctrlplane.provider.TimelinePages;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
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
    return pool.withTransaction(
            conn ->
                conn.preparedQuery(FleetSql.LOCK)
                    .execute(Tuple.of(instanceId))
                    .compose(locked -> conn.preparedQuery(FleetSql.NOW).execute())
                    .compose(
                        now ->
                            materialize(
                                conn, instanceId, now.iterator().next().getOffsetDateTime("now"))))
        .compose(v -> TimelinePages.page(pool, FleetSql.TIMELINE_PAGE, instanceId, limit, cursor));
  }
}
