package io.ctrlplane.bus;

/**
 * Every event-bus address, in one place, named after the verticle that answers it. Requests carry a
 * record ({@link Command}, {@link Get}, {@link PageQuery}, {@link LogTail}) and are answered with a
 * JSON body; facts are published. docs/event-bus.md lists each address with its request record, its
 * reply and its answering verticle.
 */
public interface Addresses {
  /** Answered by {@code store.ReleaseStoreVerticle}: instances, releases, deployments. */
  interface ReleaseStore {
    String INSTANCES_CREATE = "release-store.instances.create";
    String INSTANCES_GET = "release-store.instances.get";
    String INSTANCES_LIST = "release-store.instances.list";
    String DEPLOYMENTS_CREATE = "release-store.deployments.create";
    String DEPLOYMENTS_ROLLBACK = "release-store.deployments.rollback";
    String INSTANCES_PATCH = "release-store.instances.patch";
    String INSTANCES_DELETE = "release-store.instances.delete";
    String INSTANCES_RESTART = "release-store.instances.restart";
    String RELEASES_CONFIG = "release-store.releases.config";
    String RELEASES_DIFF = "release-store.releases.diff";
    String DEPLOYMENTS_CANCEL = "release-store.deployments.cancel";
    String DEPLOYMENTS_GET = "release-store.deployments.get";
    String DEPLOYMENTS_LIST = "release-store.deployments.list";
    String RELEASES_GET = "release-store.releases.get";
    String RELEASES_LIST = "release-store.releases.list";
    String FREEZES_CREATE = "release-store.freezes.create";
    String FREEZES_LIST = "release-store.freezes.list";
    String FREEZES_GET = "release-store.freezes.get";
    String FREEZES_DELETE = "release-store.freezes.delete";
    String STRATEGIES_CREATE = "release-store.strategies.create";
    String STRATEGIES_LIST = "release-store.strategies.list";
    String STRATEGIES_GET = "release-store.strategies.get";
    String STRATEGIES_DELETE = "release-store.strategies.delete";
  }

  /** Answered by {@code store.ControlStoreVerticle}: rollout control. */
  interface ControlStore {
    String DEPLOYMENTS_PAUSE = "control-store.deployments.pause";
    String DEPLOYMENTS_RESUME = "control-store.deployments.resume";
    String DEPLOYMENTS_PROMOTE = "control-store.deployments.promote";
    String DEPLOYMENTS_APPROVE = "control-store.deployments.approve";
    String DEPLOYMENTS_REJECT = "control-store.deployments.reject";
  }

  /** Answered by {@code provider.FleetViewsVerticle}: what runs, its timeline, replica output. */
  interface FleetViews {
    String FLEET_GET = "fleet-views.fleet.get";
    String FLEET_TIMELINE = "fleet-views.fleet.timeline";
    String REPLICA_LOGS = "fleet-views.replicas.logs";
    String RELEASE_PHASE_LOGS = "fleet-views.release-phase.logs";
  }

  /** Answered by {@code analysis.AnalysisViewsVerticle}: a deployment's analysis measurements. */
  interface AnalysisViews {
    String MEASUREMENTS_GET = "analysis-views.measurements.get";
  }

  /** Answered by {@code events.EventLogVerticle}: the replayable event log. */
  interface EventLog {
    String EVENTS_LIST = "event-log.events.list";
  }

  /** Answered by {@code webhooks.WebhookStoreVerticle}: subscriptions and their deliveries. */
  interface WebhookStore {
    String WEBHOOKS_CREATE = "webhook-store.webhooks.create";
    String WEBHOOKS_LIST = "webhook-store.webhooks.list";
    String WEBHOOKS_GET = "webhook-store.webhooks.get";
    String WEBHOOKS_DELETE = "webhook-store.webhooks.delete";
    String WEBHOOKS_DELIVERIES = "webhook-store.webhooks.deliveries";
  }

  /** Answered by {@code security.SecurityStoreVerticle}: API keys and the audit trail. */
  interface SecurityStore {
    String API_KEYS_CREATE = "security-store.api-keys.create";
    String API_KEYS_LIST = "security-store.api-keys.list";
    String API_KEYS_GET = "security-store.api-keys.get";
    String API_KEYS_REVOKE = "security-store.api-keys.revoke";
    String AUDIT_LIST = "security-store.audit.list";
  }

  /** Published (local) after a commit that wrote outbox rows: wakes the relay at once. */
  String OUTBOX_COMMITTED = "outbox.committed";

  /** Published (local) after a commit that made work runnable: wakes the runners at once. */
  String DEPLOYMENTS_RUNNABLE = "deployments.runnable";

  /** Answered by the relay: is its Kafka producer connected? */
  String HEALTH_KAFKA = "health.kafka";

  /** PostgreSQL NOTIFY channels, for processes that do not share an event bus. */
  String PG_CHANNEL_OUTBOX = "ctrlplane_outbox";

  String PG_CHANNEL_RUNNABLE = "ctrlplane_runnable";

  /**
   * A running deployment's controls changed (cancel, pause, resume, promote): the payload is its
   * id, and the runner holding it wakes it at once.
   */
  String PG_CHANNEL_CONTROL = "ctrlplane_control";
}
