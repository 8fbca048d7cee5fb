package io.ctrlplane.events;

import io.ctrlplane.deploy.Ids;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * Deploy events as CloudEvents 1.0 (structured JSON). {@code instanceseq} (an integer extension
 * attribute) is the per-instance, gap-free position (consumers order by it and detect gaps); {@code
 * id} is unique (consumers dedupe on it). The data never carries env values.
 */
public final class DeployEvent {
  public static final String QUEUED = "deploy.queued";
  public static final String STARTED = "deploy.started";
  public static final String PROGRESSED = "deploy.progressed";
  public static final String SUCCEEDED = "deploy.succeeded";
  public static final String FAILED = "deploy.failed";
  public static final String CANCELLED = "deploy.cancelled";
  public static final String ROLLED_BACK = "deploy.rolled_back";

  /** Every type, in lifecycle order; each has a schema at events/schemas/&lt;type&gt;.json. */
  public static final List<String> TYPES =
      List.of(QUEUED, STARTED, PROGRESSED, SUCCEEDED, FAILED, CANCELLED, ROLLED_BACK);

  /** Kafka record header and webhook body type: CloudEvents structured mode. */
  public static final String CONTENT_TYPE = "application/cloudevents+json";

  private DeployEvent() {}

  /** {@code tenantid} (extension attribute): the tenant (project) the instance belongs to. */
  public static JsonObject cloudEvent(
      String type,
      String tenantId,
      String instanceId,
      long sequence,
      String deploymentId,
      JsonObject data) {
    return new JsonObject()
        .put("specversion", "1.0")
        .put("id", Ids.next("evt"))
        .put("source", "/ctrlplane/instances/" + instanceId)
        .put("type", type)
        .put("subject", deploymentId)
        .put("time", Instant.now().toString())
        .put("datacontenttype", "application/json")
        .put("instanceseq", sequence)
        .put("tenantid", tenantId)
        .put("data", data);
  }
}
