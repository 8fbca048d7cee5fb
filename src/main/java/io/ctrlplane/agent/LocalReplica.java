package io.ctrlplane.agent;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.file.Path;

/** A replica process this agent runs; touched on the agent's event loop only. */
final class LocalReplica {
  final ReplicaSpec spec;
  final Path dir;
  final BoundedLog log;
  final Promise<Integer> exit = Promise.promise();
  Process process;

  /** A process an earlier run of this agent started and this one took back (not its child). */
  ProcessHandle adopted;

  /** The engine's id of the replica's container (container provider), once created. */
  String containerId;

  int port;
  boolean ready;
  boolean everReady;
  int healthFailures;
  long probeTimer = -1;
  Future<Void> stopping;

  LocalReplica(ReplicaSpec spec, Path dir, long logMaxBytes) {
    this.spec = spec;
    this.dir = dir;
    this.log = new BoundedLog(dir, logMaxBytes);
  }

  String id() {
    return spec.id();
  }

  /** The replica's process, started or taken back; null for a container or before it started. */
  ProcessHandle handle() {
    return process != null ? process.toHandle() : adopted;
  }

  boolean exited() {
    return exit.future().isComplete();
  }
}
