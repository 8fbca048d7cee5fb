package io.ctrlplane.store;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.events.DeployEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Appends events to the outbox inside the caller's transaction. The per-instance sequence comes
 * from the instance row, whose lock the transaction holds, so sequences are gap-free and in commit
 * order.
 */
public final class Outbox {
  private Outbox() {}

  public static Future<JsonObject> append(
      SqlConnection conn, String type, String instanceId, String deploymentId, JsonObject data) {
    // sequence and tenant are filled in by the statement, from the instance row whose lock it takes
    JsonObject event = DeployEvent.cloudEvent(type, null, instanceId, 0, deploymentId, data);
    return conn.preparedQuery(APPEND)
        .execute(
            Tuple.of(instanceId, event.getString("id"), type, event, Addresses.PG_CHANNEL_OUTBOX))
        .map(
            rs -> {
              Row row = rs.iterator().next();
              // the tenant comes from the instance row, never from the caller: an event is its
              // instance's tenant's
              return event
                  .put("instanceseq", row.getLong("instance_seq"))
                  .put("tenantid", row.getString("tenant_id"));
            });
  }

  /**
   * One round trip: bump the instance's event counter, insert the event with that sequence and the
   * instance's tenant, and NOTIFY the relays (delivered at commit).
   */
  private static final String APPEND =
      "WITH bumped AS ("
          + "UPDATE instances SET last_event_seq = last_event_seq + 1 WHERE id = $1 RETURNING last_event_seq, tenant_id), "
          + "appended AS (INSERT INTO outbox (event_id, tenant_id, instance_id, instance_seq, type, event) "
          + "SELECT $2, b.tenant_id, $1, b.last_event_seq, $3, "
          + "$4::jsonb || jsonb_build_object('instanceseq', b.last_event_seq, 'tenantid', b.tenant_id) FROM bumped b "
          + "RETURNING instance_seq, tenant_id) "
          + "SELECT a.instance_seq, a.tenant_id, pg_notify($5, $1) FROM appended a";

  /**
   * Event data from a deployment as {@link Rows#deployment} renders it: ids and versions, never
   * env. Built field by field (not by copying the row) so a column added later cannot leak into
   * events; the schemas under events/schemas are closed for the same reason.
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
        // who asked for the deployment (key id and name; null for deployments made before keys
        // existed)
        .put("initiated_by", deployment.getJsonObject("initiated_by"));
  }
}
