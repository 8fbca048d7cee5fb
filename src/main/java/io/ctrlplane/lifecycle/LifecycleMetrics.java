package io.ctrlplane.lifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.vertx.micrometer.backends.BackendRegistries;
import java.time.Duration;

/**
 * The lifecycle's meters on /metrics: deployments started and finished (by kind, strategy and end
 * state), how long they queued and rolled out, leases claimed, taken over and fenced off. Labels
 * are closed sets (kind, strategy name, state): never a deployment or instance id.
 */
public final class LifecycleMetrics {
  private static final Duration[] WAIT_SLO = {
    Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
    Duration.ofSeconds(15), Duration.ofSeconds(60), Duration.ofMinutes(5), Duration.ofMinutes(30)
  };
  private static final Duration[] ROLLOUT_SLO = {
    Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30),
    Duration.ofSeconds(60), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
    Duration.ofMinutes(30), Duration.ofHours(1)
  };

  private LifecycleMetrics() {}

  static MeterRegistry registry() {
    MeterRegistry r = BackendRegistries.getDefaultNow();
    return r == null ? Metrics.globalRegistry : r;
  }

  /**
   * Registers the lease and fencing counters at zero when a runner starts, so "none so far" is a
   * series of zeros on a dashboard, not an empty panel.
   */
  public static void registerRunnerCounters() {
    MeterRegistry r = registry();
    Counter.builder("ctrlplane.leases.acquired")
        .description("Deployment leases a runner acquired (fresh starts and takeovers)")
        .register(r);
    Counter.builder("ctrlplane.leases.takeovers")
        .description("Running deployments claimed after their holder's lease expired")
        .register(r);
    Counter.builder("ctrlplane.leases.lost")
        .description("Leases a runner found lost at its heartbeat (another runner took over)")
        .register(r);
    for (String source : new String[] {"lifecycle", "provider"}) {
      Counter.builder("ctrlplane.fenced.refusals")
          .description("Writes refused because the writer's lease epoch was stale")
          .tag("source", source)
          .register(r);
    }
  }

  /** A runner claimed a deployment: a takeover when it was running under an expired lease. */
  static void claimed(String kind, String strategy, boolean takeover, double queuedSeconds) {
    MeterRegistry r = registry();
    Counter.builder("ctrlplane.leases.acquired")
        .description("Deployment leases a runner acquired (fresh starts and takeovers)")
        .register(r)
        .increment();
    if (takeover) {
      Counter.builder("ctrlplane.leases.takeovers")
          .description("Running deployments claimed after their holder's lease expired")
          .register(r)
          .increment();
      return;
    }
    Counter.builder("ctrlplane.deployments.started")
        .description("Deployments a runner started (pending to running)")
        .tags("kind", kind, "strategy", strategy)
        .register(r)
        .increment();
    Timer.builder("ctrlplane.deployment.queue.wait")
        .description("Time a deployment waited pending before a runner started it")
        .tags("kind", kind, "strategy", strategy)
        .serviceLevelObjectives(WAIT_SLO)
        .register(r)
        .record(Duration.ofMillis(Math.max(0, Math.round(queuedSeconds * 1000))));
  }

  /** A deployment reached an end state; {@code rolloutSeconds} from its start to its end. */
  static void finished(String kind, String strategy, String state, double rolloutSeconds) {
    MeterRegistry r = registry();
    Counter.builder("ctrlplane.deployments.finished")
        .description("Deployments that ended, by end state")
        .tags("kind", kind, "strategy", strategy, "state", state)
        .register(r)
        .increment();
    Timer.builder("ctrlplane.deployment.rollout.duration")
        .description("Time from a deployment's start to its end")
        .tags("kind", kind, "strategy", strategy, "state", state)
        .serviceLevelObjectives(ROLLOUT_SLO)
        .register(r)
        .record(Duration.ofMillis(Math.max(0, Math.round(rolloutSeconds * 1000))));
  }

  /** A write of the runner's found the lease epoch moved: the write was fenced off. */
  static void fenced() {
    fencedRefusal("lifecycle");
  }

  /**
   * A write refused for a stale lease epoch; {@code source} is lifecycle (a database write) or
   * provider (an infrastructure change).
   */
  public static void fencedRefusal(String source) {
    Counter.builder("ctrlplane.fenced.refusals")
        .description("Writes refused because the writer's lease epoch was stale")
        .tag("source", source)
        .register(registry())
        .increment();
  }

  /** A runner found at its heartbeat that it no longer holds a lease. */
  public static void leaseLost() {
    Counter.builder("ctrlplane.leases.lost")
        .description("Leases a runner found lost at its heartbeat (another runner took over)")
        .register(registry())
        .increment();
  }
}
