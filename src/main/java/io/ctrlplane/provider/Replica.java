package io.ctrlplane.provider;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One replica as a provider reports it.
 *
 * @param readySince when it became ready (null unless READY)
 * @param stopAt when a scheduled stop takes effect (null: none scheduled)
 * @param reason why it failed or crashed, when the provider knows (null otherwise)
 * @param details provider-specific facts for the API, e.g. the agent and port of a process
 */
public record Replica(
    String id,
    String releaseId,
    int version,
    String image,
    ReplicaStatus status,
    Instant createdAt,
    Instant readySince,
    Instant stopAt,
    String deploymentId,
    Long epoch,
    String reason,
    JsonObject details) {

  public Replica(
      String id,
      String releaseId,
      int version,
      String image,
      ReplicaStatus status,
      Instant createdAt,
      Instant readySince,
      Instant stopAt,
      String deploymentId,
      Long epoch) {
    this(
        id,
        releaseId,
        version,
        image,
        status,
        createdAt,
        readySince,
        stopAt,
        deploymentId,
        epoch,
        null,
        null);
  }

  public boolean scheduledToStop() {
    return stopAt != null;
  }

  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("id", id)
            .put("release", new JsonObject().put("id", releaseId).put("version", version))
            .put("image", image)
            .put("status", status.wire())
            .put("created_at", text(createdAt))
            .put("ready_since", text(readySince))
            .put("stop_at", text(stopAt))
            .put(
                "started_by",
                new JsonObject().put("deployment_id", deploymentId).put("epoch", epoch));
    if (reason != null) {
      json.put("reason", reason);
    }
    return details == null ? json : json.mergeIn(details);
  }

  static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
