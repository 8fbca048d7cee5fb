package io.ctrlplane.lifecycle;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.deploy.Doc;
import io.ctrlplane.deploy.Event;
import io.ctrlplane.deploy.codec.DeployJson;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Appends a deployment's events to the outbox inside the lifecycle's transaction: the one place a
 * deploy event is built. The per-instance sequence comes from the instance row, whose lock the
 * transaction holds, so sequences are gap-free and in commit order.
 */
final class Outbox {
  /**
   * One round trip: bump the instance's event counter, insert the event with that sequence and the
   * instance's tenant (never the caller's: an event is its instance's tenant's), and NOTIFY the
   * relays (delivered at commit).
   */
  private static final String APPEND =
      "WITH bumped AS ("
          + "UPDATE instances SET last_event_seq = last_event_seq + 1 WHERE id = $1 RETURNING last_event_seq, tenant_id), "
          + "appended AS (INSERT INTO outbox (event_id, tenant_id, instance_id, instance_seq, type, event) "
          + "SELECT $2, b.tenant_id, $1, b.last_event_seq, $3, "
          + "$4::jsonb || jsonb_build_object('instanceseq', b.last_event_seq, 'tenantid', b.tenant_id) "
          // the CloudEvents distributed-tracing extension, when the deployment has a trace
          + "|| jsonb_strip_nulls(jsonb_build_object('traceparent', $6::text)) FROM bumped b "
          + "RETURNING instance_seq, tenant_id) "
          + "SELECT a.instance_seq, a.tenant_id, pg_notify($5, $1) FROM appended a";

  /** {@link #APPEND} that also wakes the runners ($7): a queued deployment, one round trip. */
  private static final String APPEND_AND_WAKE =
      APPEND.replace("pg_notify($5, $1) FROM", "pg_notify($5, $1), pg_notify($7, '') FROM");

  private Outbox() {}

  /**
   * Appends deploy.queued for a deployment just inserted (as {@code named}, read in this
   * transaction) and wakes the runners, in one statement.
   */
  static Future<Event> queued(SqlConnection conn, Deployments.Named named) {
    Event event =
        Event.of(Event.QUEUED, Event.Data.of(named.deployment(), named.instanceName(), null));
    return conn.preparedQuery(APPEND_AND_WAKE)
        .execute(
            Tuple.of(
                event.instanceId(),
                event.id(),
                event.type(),
                DeployJson.event(event),
                Addresses.PG_CHANNEL_OUTBOX,
                named.traceparent(),
                Addresses.PG_CHANNEL_RUNNABLE))
        .map(event);
  }

  /**
   * Appends a {@code type} event about the deployment as it is inside this transaction; {@code
   * progress}, when not null, is the progress the event reports.
   */
  static Future<Event> record(SqlConnection conn, String type, String deploymentId, Doc progress) {
    return Deployments.withInstanceName(conn, deploymentId)
        .compose(
            d -> {
              Event event =
                  Event.of(type, Event.Data.of(d.deployment(), d.instanceName(), progress));
              return append(conn, event, d.traceparent()).map(event);
            });
  }

  private static Future<Void> append(SqlConnection conn, Event event, String traceparent) {
    return conn.preparedQuery(APPEND)
        .execute(
            Tuple.of(
                event.instanceId(),
                event.id(),
                event.type(),
                DeployJson.event(event),
                Addresses.PG_CHANNEL_OUTBOX,
                traceparent))
        .mapEmpty();
  }

  /** Wakes the runners (delivered at commit): a deployment may have become runnable. */
  static Future<Void> notifyRunnable(SqlConnection conn) {
    return conn.preparedQuery("SELECT pg_notify($1, '')")
        .execute(Tuple.of(Addresses.PG_CHANNEL_RUNNABLE))
        .mapEmpty();
  }

  /** Wakes the runner holding the deployment (delivered at commit): its controls changed. */
  static Future<Void> notifyControl(SqlConnection conn, String deploymentId) {
    return conn.preparedQuery("SELECT pg_notify($1, $2)")
        .execute(Tuple.of(Addresses.PG_CHANNEL_CONTROL, deploymentId))
        .mapEmpty();
  }
}
