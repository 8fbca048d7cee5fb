package io.ctrlplane.provider.process;

import io.ctrlplane.store.Cursor;
import io.ctrlplane.store.Pages;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/** The fleet's append-only history: runners' requests and agents' observations, oldest first. */
final class ProcessTimeline {
  private final Pool pool;

  ProcessTimeline(Pool pool) {
    this.pool = pool;
  }

  Future<JsonObject> page(String instanceId, int limit, String cursor) {
    long after = cursor == null ? 0 : Cursor.decodeLong("t", cursor);
    return pool.preparedQuery(ProcessSql.TIMELINE_PAGE).execute(Tuple.of(instanceId, after, limit + 1))
        .map(rows -> Pages.bySeq(rows, limit, ProcessTimeline::entry, "t"));
  }

  private static JsonObject entry(Row row) {
    String release = row.getString("release_id");
    return new JsonObject()
        .put("seq", row.getLong("seq"))
        .put("at", row.getOffsetDateTime("at").toInstant().toString())
        .put("kind", row.getString("kind"))
        .put("replica_id", row.getString("replica_id"))
        .put("release", release == null ? null : new JsonObject().put("id", release).put("version", row.getInteger("version")))
        .put("agent_id", row.getString("agent_id"))
        .put("deployment_id", row.getString("deployment_id"))
        .put("epoch", row.getLong("epoch"))
        .put("detail", row.getJsonObject("detail"));
  }
}
