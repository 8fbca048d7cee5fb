package io.ctrlplane.runner;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;

/**
 * How the simulator says a rollout of an image goes, read from the instance's provider_config:
 * {@code start_delay_ms}, {@code ready_delay_ms}, and fault rules matched on the image by glob
 * ({@code fail_start}, {@code never_ready}). Plain code; the runner turns it into waits and outcomes.
 * (The strategy-by-strategy engine with replica-level simulation is the strategy-runner work.)
 */
record SimulatedRollout(long startDelayMs, long readyDelayMs, boolean failStart, boolean neverReady) {

  static SimulatedRollout of(JsonObject providerConfig, String image) {
    JsonObject cfg = providerConfig == null ? new JsonObject() : providerConfig;
    JsonObject fault = matchingFault(cfg.getJsonArray("faults", new JsonArray()), image);
    return new SimulatedRollout(
        cfg.getLong("start_delay_ms", 200L),
        cfg.getLong("ready_delay_ms", 300L),
        fault.getBoolean("fail_start", false),
        fault.getBoolean("never_ready", false));
  }

  long readyAfterMs() {
    return startDelayMs + readyDelayMs;
  }

  private static JsonObject matchingFault(JsonArray faults, String image) {
    for (Object o : faults) {
      if (o instanceof JsonObject rule && matches(rule.getString("image", ""), image)) {
        return rule;
      }
    }
    return new JsonObject();
  }

  /** Glob on the whole reference, e.g. {@code *:bad*}; '/' in images is matched like any character. */
  static boolean matches(String glob, String image) {
    if (glob.isEmpty()) {
      return false;
    }
    String flat = image.replace('/', '\u0001');
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob.replace('/', '\u0001'));
    return m.matches(Path.of(flat));
  }
}
