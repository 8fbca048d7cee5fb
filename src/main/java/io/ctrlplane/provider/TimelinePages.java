package io.ctrlplane.provider;

import io.ctrlplane.db.Cursor;
import io.ctrlplane.db.Pages;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * One page of a provider's timeline ({@link Provider#timeline}), oldest first, rendered alike for
 * every provider. {@code sql} takes ($1 instance, $2 after seq, $3 limit) and selects seq, at,
 * kind, replica_id, release_id, version, deployment_id, epoch, detail, and agent_id where the
 * provider has agents (the entry has the field only then).
 */
public final class TimelinePages {
  private static final String KIND = "t";

  private TimelinePages() {}

  public static Future<JsonObject> page(
      SqlClient client, String sql, String instanceId, int limit, String cursor) {
    long after = cursor == null ? 0 : Cursor.decodeLong(KIND, cursor);
    return client
        .preparedQuery(sql)
        .execute(Tuple.of(instanceId, after, limit + 1))
        .map(rows -> Pages.bySeq(rows, limit, TimelinePages::entry, KIND));
  }

  private static JsonObject entry(Row row) {
    String release = row.getString("release_id");
    JsonObject entry =
        new JsonObject()
            .put("seq", row.getLong("seq"))
            .put("at", row.getOffsetDateTime("at").toInstant().toString())
            .put("kind", row.getString("kind"))
            .put("replica_id", row.getString("replica_id"))
            .put(
                "release",
                release == null
                    ? null
                    : new JsonObject()
                        .put("id", release)
                        .put("version", row.getInteger("version")));
    if (row.getColumnIndex("agent_id") >= 0) {
      entry.put("agent_id", row.getString("agent_id"));
    }
    return entry
        .put("deployment_id", row.getString("deployment_id"))
        .put("epoch", row.getLong("epoch"))
        .put("detail", row.getJsonObject("detail"));
  }
}
