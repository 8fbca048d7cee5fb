package io.ctrlplane.security;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * What a store command needs to know about who sent it: the tenant every row it touches must belong
 * to, the acting key (for audit records and {@code initiated_by}), the request id and the action.
 * Travels in every event-bus message from the API to a store as {@code "caller"}; a message without
 * one is refused, so a route that forgets it fails closed instead of reading across tenants.
 */
public record Caller(
    String tenantId, String keyId, String keyName, String requestId, String action) {
  public static final String FIELD = "caller";

  public Caller {
    Objects.requireNonNull(tenantId, "tenantId");
  }

  public static Caller of(Principal principal, String requestId, String action) {
    return new Caller(
        principal.tenantId(), principal.keyId(), principal.keyName(), requestId, action);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("tenant_id", tenantId)
        .put("key_id", keyId)
        .put("key_name", keyName)
        .put("request_id", requestId)
        .put("action", action);
  }

  /** The caller of a store message. */
  public static Caller from(JsonObject message) {
    JsonObject json = message == null ? null : message.getJsonObject(FIELD);
    if (json == null || json.getString("tenant_id") == null) {
      throw new IllegalStateException(
          "store message without a caller: every API request must name its tenant");
    }
    return new Caller(
        json.getString("tenant_id"),
        json.getString("key_id"),
        json.getString("key_name"),
        json.getString("request_id"),
        json.getString("action"));
  }

  /** {@code {"key_id", "key_name"}}: how deployments and events name who initiated them. */
  public JsonObject initiatedBy() {
    return new JsonObject().put("key_id", keyId).put("key_name", keyName);
  }
}
