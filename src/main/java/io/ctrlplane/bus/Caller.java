package io.ctrlplane.bus;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * What a store command needs to know about who sent it: the tenant every row it touches must belong
 * to, the acting key (for audit records and {@code initiated_by}), the request id and the action.
 * Every request record on the event bus carries one and refuses to be built without it, so a route
 * that forgets it fails closed instead of reading across tenants. Built from a principal by the
 * security feature ({@code Principal.caller}); it lives here, below every feature, because it is
 * part of the event-bus contract.
 */
public record Caller(
    String tenantId, String keyId, String keyName, String requestId, String action) {

  public Caller {
    Objects.requireNonNull(tenantId, "tenantId");
  }

  /** {@code {"key_id", "key_name"}}: how deployments and events name who initiated them. */
  public JsonObject initiatedBy() {
    return new JsonObject().put("key_id", keyId).put("key_name", keyName);
  }
}
