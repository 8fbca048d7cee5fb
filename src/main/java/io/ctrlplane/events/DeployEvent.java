package io.ctrlplane.events;

import io.ctrlplane.deploy.Event;
import io.ctrlplane.deploy.Ids;
import io.ctrlplane.deploy.codec.DeployJson;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * Deploy events as the relay, the webhooks and the schemas name them: the types ({@link Event}
 * defines them) and the content type of a CloudEvent in structured mode. Events are built by the
 * lifecycle and rendered by {@link DeployJson}; nothing here builds one.
 */
public final class DeployEvent {
  public static final String QUEUED = Event.QUEUED;
  public static final String STARTED = Event.STARTED;
  public static final String PROGRESSED = Event.PROGRESSED;
  public static final String SUCCEEDED = Event.SUCCEEDED;
  public static final String FAILED = Event.FAILED;
  public static final String CANCELLED = Event.CANCELLED;
  public static final String ROLLED_BACK = Event.ROLLED_BACK;
  public static final String ANALYSIS = Event.ANALYSIS;

  /** Every type, in lifecycle order; each has a schema at events/schemas/&lt;type&gt;.json. */
  public static final List<String> TYPES = Event.TYPES;

  /** Kafka record header and webhook body type: CloudEvents structured mode. */
  public static final String CONTENT_TYPE = "application/cloudevents+json";

  private DeployEvent() {}

  /**
   * A CloudEvent around arbitrary data, with a fresh id, stamped now (for checking the envelope
   * against the schemas; the lifecycle renders real events through {@link DeployJson#event}).
   */
  public static JsonObject cloudEvent(
      String type,
      String tenantId,
      String instanceId,
      long sequence,
      String deploymentId,
      JsonObject data) {
    return DeployJson.cloudEvent(
        Ids.next("evt"), type, tenantId, instanceId, sequence, deploymentId, Instant.now(), data);
  }
}
