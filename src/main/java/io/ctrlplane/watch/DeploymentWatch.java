package io.ctrlplane.watch;

import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/deployments/{id}/watch}: an {@code event: deployment} with the deployment's JSON
 * at the start and at every change; the stream ends after a terminal state was sent.
 */
final class DeploymentWatch extends Watch {
  private static final Logger log = LoggerFactory.getLogger(DeploymentWatch.class);
  private final String deploymentId;
  private final String instanceId;
  private String last;

  DeploymentWatch(SseStream stream, StoreReads reads, JsonObject first) {
    super(stream, reads);
    this.deploymentId = first.getString("id");
    this.instanceId = first.getString("instance_id");
  }

  @Override
  String instanceId() {
    return instanceId;
  }

  @Override
  boolean inFlight() {
    return !stream.isClosed();
  }

  /** Sends {@code deployment} if it changed; ends the stream once it is terminal. */
  void show(JsonObject deployment) {
    String json = deployment.encode();
    if (!json.equals(last)) {
      last = json;
      stream.event("deployment", json);
    }
    if (terminal(deployment)) {
      stream.end();
    }
  }

  @Override
  Future<Void> refresh() {
    if (stream.isClosed()) {
      return Future.succeededFuture();
    }
    return reads
        .deployment(deploymentId)
        .map(
            d -> {
              show(d);
              return (Void) null;
            })
        .recover(
            e -> {
              if (e instanceof ReplyException re && re.failureCode() == 404
                  || e instanceof Refusal) {
                stream.end(); // gone (or no longer visible to this caller): nothing more will come
              } else {
                log.warn(
                    "watch of deployment {}: re-read failed, retrying at the next tick: {}",
                    deploymentId,
                    e.toString());
              }
              return Future.succeededFuture();
            });
  }
}
