package io.ctrlplane.provider;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One replica as a provider reports it.
 *
 * @param readySince when it became ready (null unless READY)
 * @param stopAt     when a scheduled stop takes effect (null: none scheduled)
 */
public record Replica(String id, String releaseId, int version, String image, ReplicaStatus status,
    Instant createdAt, Instant readySince, Instant stopAt, String deploymentId, Long epoch) {

  public boolean scheduledToStop() {
    return stopAt != null;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("release", new JsonObject().put("id", releaseId).put("version", version))
        .put("image", image)
        .put("status", status.wire())
        .put("created_at", text(createdAt))
        .put("ready_since", text(readySince))
        .put("stop_at", text(stopAt))
        .put("started_by", new JsonObject().put("deployment_id", deploymentId).put("epoch", epoch));
  }

  static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
