package io.ctrlplane.watch;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/instances/{id}/watch}: {@code event: instance} with the instance's JSON at the
 * start and whenever it changes (current release, health), and {@code event: deployment} for the
 * deployments in flight at the start and for any of its recent deployments whenever one changes.
 * Never ends by itself.
 */
final class InstanceWatch extends Watch {
  private static final Logger log = LoggerFactory.getLogger(InstanceWatch.class);
  private final String instanceId;
  private String lastInstance;

  /**
   * JSON last sent (or, at the start, seen) per deployment id, for the instance's recent
   * deployments.
   */
  private Map<String, String> lastDeployments = new HashMap<>();

  private boolean inFlight;

  InstanceWatch(SseStream stream, StoreReads reads, String instanceId) {
    super(stream, reads);
    this.instanceId = instanceId;
  }

  @Override
  String instanceId() {
    return instanceId;
  }

  @Override
  boolean inFlight() {
    return inFlight;
  }

  /**
   * The first events: the instance, then each deployment in flight (oldest first); the rest is only
   * noted.
   */
  Future<Void> start(JsonObject instance) {
    showInstance(instance);
    return reads
        .recentDeployments(instanceId)
        .map(
            items -> {
              showDeployments(items, true);
              return (Void) null;
            });
  }

  @Override
  Future<Void> refresh() {
    if (stream.isClosed()) {
      return Future.succeededFuture();
    }
    Future<JsonObject> instance = reads.instance(instanceId);
    Future<JsonArray> deployments = reads.recentDeployments(instanceId);
    return Future.all(instance, deployments)
        .map(
            all -> {
              // deployments first: a client sees the deployment succeed, then the instance's new
              // current release
              showDeployments(deployments.result(), false);
              showInstance(instance.result());
              return (Void) null;
            })
        .recover(
            e -> {
              log.warn(
                  "watch of instance {}: re-read failed, retrying at the next tick: {}",
                  instanceId,
                  e.toString());
              return Future.succeededFuture();
            });
  }

  private void showInstance(JsonObject instance) {
    String json = instance.encode();
    if (!json.equals(lastInstance)) {
      lastInstance = json;
      stream.event("instance", json);
    }
  }

  /**
   * {@code newestFirst}: a page of the deployment list. At the start only those in flight are sent.
   */
  private void showDeployments(JsonArray newestFirst, boolean starting) {
    Map<String, String> seen = new HashMap<>();
    boolean anyInFlight = false;
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      JsonObject d = newestFirst.getJsonObject(i);
      String json = d.encode();
      boolean running = !terminal(d);
      anyInFlight |= running;
      if (starting ? running : !json.equals(lastDeployments.get(d.getString("id")))) {
        stream.event("deployment", json);
      }
      seen.put(d.getString("id"), json);
    }
    lastDeployments = seen;
    inFlight = anyInFlight;
  }
}
