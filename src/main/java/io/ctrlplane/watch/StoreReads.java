package io.ctrlplane.watch;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Caller;
import io.ctrlplane.bus.Get;
import io.ctrlplane.bus.PageQuery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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

  private final Vertx vertx;
  private final Caller caller;

  /** {@code caller}: the caller of the request that opened the watch. */
  StoreReads(Vertx vertx, Caller caller) {
    this.vertx = vertx;
    this.caller = caller;
  }

  /** The API key that opened the watch (null when auth is off). */
  String keyId() {
    return caller.keyId();
  }

  Future<JsonObject> deployment(String id) {
    return Bus.request(vertx, Addresses.ReleaseStore.DEPLOYMENTS_GET, new Get(caller, id));
  }

  Future<JsonObject> instance(String id) {
    return Bus.request(vertx, Addresses.ReleaseStore.INSTANCES_GET, new Get(caller, id));
  }

  /** The instance's newest deployments, newest first. */
  Future<JsonArray> recentDeployments(String instanceId) {
    return Bus.request(
            vertx,
            Addresses.ReleaseStore.DEPLOYMENTS_LIST,
            new PageQuery(caller, instanceId, RECENT_DEPLOYMENTS, null))
        .map(page -> page.getJsonArray("items"));
  }
}
