package io.ctrlplane.store;

import io.ctrlplane.Addresses;
import io.ctrlplane.events.DeployEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Appends events to the outbox inside the caller's transaction. The per-instance sequence comes from
 * the instance row, whose lock the transaction holds, so sequences are gap-free and in commit order.
 */
public final class Outbox {
  private Outbox() {}

  public static Future<JsonObject> append(SqlConnection conn, String type, String instanceId,
      String deploymentId, JsonObject data) {
    return conn.preparedQuery("UPDATE instances SET last_event_seq = last_event_seq + 1 WHERE id = $1 "
            + "RETURNING last_event_seq, tenant_id")
        .execute(Tuple.of(instanceId))
        .compose(rs -> {
          Row row = rs.iterator().next();
          long seq = row.getLong("last_event_seq");
          // the tenant comes from the instance row, never from the caller: an event is its instance's tenant's
          String tenantId = row.getString("tenant_id");
          JsonObject event = DeployEvent.cloudEvent(type, tenantId, instanceId, seq, deploymentId, data);
          return conn.preparedQuery("INSERT INTO outbox (event_id, tenant_id, instance_id, instance_seq, type, event) "
                  + "VALUES ($1, $2, $3, $4, $5, $6)")
              .execute(Tuple.of(event.getString("id"), tenantId, instanceId, seq, type, event))
              .compose(ok -> conn.preparedQuery("SELECT pg_notify($1, $2)")
                  .execute(Tuple.of(Addresses.PG_CHANNEL_OUTBOX, instanceId)))
              .map(event);
        });
  }

  /**
   * Event data from a deployment as {@link Rows#deployment} renders it: ids and versions, never env.
   * Built field by field (not by copying the row) so a column added later cannot leak into events;
   * the schemas under events/schemas are closed for the same reason.
   */
  public static JsonObject data(JsonObject deployment, String instanceName) {
    JsonObject release = deployment.getJsonObject("release");
    return new JsonObject()
        .put("deployment_id", deployment.getString("id"))
        .put("instance_id", deployment.getString("instance_id"))
        .put("instance_name", instanceName)
        .put("kind", deployment.getString("kind"))
        .put("release_id", release.getString("id"))
        .put("version", release.getInteger("version"))
        .put("image", release.getString("image"))
        .put("strategy", deployment.getString("strategy"))
        .put("state", deployment.getString("state"))
        .put("error", deployment.getString("error"))
        .put("previous_release", deployment.getJsonObject("previous_release"))
        // where the rollout was when this event was written; {} before it starts
        .put("progress", deployment.getJsonObject("progress", new JsonObject()))
        // who asked for the deployment (key id and name; null for deployments made before keys existed)
        .put("initiated_by", deployment.getJsonObject("initiated_by"));
  }
}
