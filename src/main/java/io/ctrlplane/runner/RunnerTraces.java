package io.ctrlplane.runner;

import io.ctrlplane.ops.Tracing;
import io.opentelemetry.api.trace.SpanKind;
import java.util.Map;

/**
 * The runner's spans: each finished step, in the trace of the request that created the deployment
 * (its stored traceparent), so one deploy reads as one trace from the API through every step.
 */
final class RunnerTraces {
  private RunnerTraces() {}

  static void step(RolloutContext ctx, int index, int of, String describe, long elapsedMs) {
    if (!Tracing.enabled()) {
      return;
    }
    Tracing.record(
        "runner step " + (index + 1) + "/" + of,
        SpanKind.INTERNAL,
        ctx.traceparent(),
        Tracing.nowNanos() - elapsedMs * 1_000_000,
        Map.of(
            "ctrlplane.deployment_id", ctx.claim().deploymentId(),
            "ctrlplane.instance_id", ctx.claim().instanceId(),
            "ctrlplane.strategy", ctx.strategy(),
            "ctrlplane.step", describe),
        true);
  }
}
