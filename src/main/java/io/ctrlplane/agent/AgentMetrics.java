package io.ctrlplane.agent;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's replicas by status on /metrics (ready, starting, unhealthy, stopping, exited), summed
 * over the agents of the process. The routers' own per-release series are on the agent's /metrics.
 */
final class AgentMetrics {
  static final List<String> STATUSES =
      List.of("ready", "starting", "unhealthy", "stopping", "exited");
  private static final Set<Supervisor> SUPERVISORS = ConcurrentHashMap.newKeySet();

  private AgentMetrics() {}

  static void started(Supervisor supervisor) {
    SUPERVISORS.add(supervisor);
    MeterRegistry found = BackendRegistries.getDefaultNow();
    MeterRegistry r = found == null ? Metrics.globalRegistry : found;
    for (String status : STATUSES) {
      Gauge.builder(
              "ctrlplane.agent.replicas",
              SUPERVISORS,
              set -> set.stream().mapToLong(s -> count(s.replicaViews(), status)).sum())
          .description("Replicas the agents of this process run, by status")
          .tag("status", status)
          .strongReference(true)
          .register(r);
    }
  }

  static void stopped(Supervisor supervisor) {
    SUPERVISORS.remove(supervisor);
  }

  private static long count(Collection<LocalReplica> replicas, String status) {
    return replicas.stream().filter(r -> status.equals(status(r))).count();
  }

  /** A momentary read of fields written on the agent's event loop: good enough for a gauge. */
  static String status(LocalReplica r) {
    if (r.exited()) {
      return "exited";
    }
    if (r.stopping != null) {
      return "stopping";
    }
    if (r.ready) {
      return "ready";
    }
    return r.everReady ? "unhealthy" : "starting";
  }
}
