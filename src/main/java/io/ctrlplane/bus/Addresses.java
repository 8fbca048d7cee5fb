package io.ctrlplane.bus;

/** Every event-bus address, in one place. Commands are request/reply; facts are published. */
public interface Addresses {
  // commands answered by the release store
  String INSTANCES_CREATE = "store.instances.create";
  String INSTANCES_GET = "store.instances.get";
  String INSTANCES_LIST = "store.instances.list";
  String DEPLOYMENTS_CREATE = "store.deployments.create";
  String DEPLOYMENTS_ROLLBACK = "store.deployments.rollback";
  String DEPLOYMENTS_CANCEL = "store.deployments.cancel";
  String DEPLOYMENTS_GET = "store.deployments.get";
  String DEPLOYMENTS_LIST = "store.deployments.list";
  String RELEASES_GET = "store.releases.get";
  String RELEASES_LIST = "store.releases.list";
  // rollout control, answered by the control store
  String DEPLOYMENTS_PAUSE = "store.deployments.pause";
  String DEPLOYMENTS_RESUME = "store.deployments.resume";
  String DEPLOYMENTS_PROMOTE = "store.deployments.promote";
  // fleet views, answered by provider/FleetViewsVerticle (the names predate the move; kept for
  // wire compatibility)
  String FLEET_GET = "store.fleet.get";
  String FLEET_TIMELINE = "store.fleet.timeline";

  /** A process replica's output, fetched from the agent that runs it (FleetViewsVerticle). */
  String REPLICA_LOGS = "store.replicas.logs";

  /** A deployment's analysis measurements (analysis/AnalysisViewsVerticle). */
  String ANALYSIS_GET = "analysis.measurements.get";

  // the replayable event log and webhook subscriptions (answered by events/ and webhooks/
  // verticles)
  String EVENTS_LIST = "store.events.list";
  String WEBHOOKS_CREATE = "store.webhooks.create";
  String WEBHOOKS_LIST = "store.webhooks.list";
  String WEBHOOKS_GET = "store.webhooks.get";
  String WEBHOOKS_DELETE = "store.webhooks.delete";
  String WEBHOOKS_DELIVERIES = "store.webhooks.deliveries";

  // API keys and the audit trail (answered by security/)
  String API_KEYS_CREATE = "store.api-keys.create";
  String API_KEYS_LIST = "store.api-keys.list";
  String API_KEYS_GET = "store.api-keys.get";
  String API_KEYS_REVOKE = "store.api-keys.revoke";
  String AUDIT_LIST = "store.audit.list";

  /** Published (local) after a commit that wrote outbox rows: wakes the relay at once. */
  String OUTBOX_COMMITTED = "outbox.committed";

  /** Published (local) after a commit that made work runnable: wakes the runners at once. */
  String DEPLOYMENTS_RUNNABLE = "deployments.runnable";

  /** Answered by the relay: is its Kafka producer connected? */
  String HEALTH_KAFKA = "health.kafka";

  /** PostgreSQL NOTIFY channels, for processes that do not share an event bus. */
  String PG_CHANNEL_OUTBOX = "ctrlplane_outbox";

  String PG_CHANNEL_RUNNABLE = "ctrlplane_runnable";
}
