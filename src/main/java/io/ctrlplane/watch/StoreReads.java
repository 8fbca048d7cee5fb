package io.ctrlplane.watch;

import io.ctrlplane.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The reads a watch repeats, through the same store queries (and so the same JSON and the same
 * tenant scoping) as {@code GET /v1/deployments/{id}}, {@code GET /v1/instances/{id}} and the
 * deployment list.
 */
final class StoreReads {
  /** Deployments of an instance a watch follows: the newest ones, where everything in flight is. */
  static final int RECENT_DEPLOYMENTS = 20;

  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(15_000);

  private final Vertx vertx;
  private final JsonObject caller;

  /**
   * {@code caller}: the {@link io.ctrlplane.security.Caller} JSON of the request that opened the
   * watch.
   */
  StoreReads(Vertx vertx, JsonObject caller) {
    this.vertx = vertx;
    this.caller = caller;
  }

  /** The API key that opened the watch (null when auth is off). */
  String keyId() {
    return caller.getString("key_id");
  }

  Future<JsonObject> deployment(String id) {
    return request(Addresses.DEPLOYMENTS_GET, new JsonObject().put("id", id));
  }

  Future<JsonObject> instance(String id) {
    return request(Addresses.INSTANCES_GET, new JsonObject().put("id", id));
  }

  /** The instance's newest deployments, newest first. */
  Future<JsonArray> recentDeployments(String instanceId) {
    return request(
            Addresses.DEPLOYMENTS_LIST,
            new JsonObject().put("instance_id", instanceId).put("limit", RECENT_DEPLOYMENTS))
        .map(page -> page.getJsonArray("items"));
  }

  private Future<JsonObject> request(String address, JsonObject message) {
    message.put(io.ctrlplane.security.Caller.FIELD, caller);
    return vertx.eventBus().<JsonObject>request(address, message, TIMEOUT).map(m -> m.body());
  }
}
