package io.ctrlplane.watch;

import io.ctrlplane.deploy.DeploymentState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** One open watch stream: it re-reads what it follows when the hub asks, and sends what changed. */
abstract class Watch {
  protected final SseStream stream;
  protected final StoreReads reads;

  Watch(SseStream stream, StoreReads reads) {
    this.stream = stream;
    this.reads = reads;
  }

  /** The instance whose outbox notifications concern this watch. */
  abstract String instanceId();

  /** Re-reads and sends every resource whose JSON differs from what was last sent. Never fails. */
  abstract Future<Void> refresh();

  /** Whether a deployment it follows is in flight (then it is re-read on the fast fallback too). */
  abstract boolean inFlight();

  /** The API key whose request opened this watch: its revocation ends the stream. */
  String keyId() {
    return reads.keyId();
  }

  SseStream stream() {
    return stream;
  }

  static boolean terminal(JsonObject deployment) {
    return DeploymentState.fromWire(deployment.getString("state")).isTerminal();
  }
}
