package io.ctrlplane.provider.simulator;

import io.vertx.core.json.JsonObject;

/**
 * What the simulator does to replicas of images matching {@code image}: never start, never become
 * ready, crash some seconds after starting, or fail a share of requests or answer slowly (what
 * canary analysis reads).
 */
public record FaultRule(
    String image,
    boolean failStart,
    boolean neverReady,
    Double crashAfterSeconds,
    double errorRate,
    double latencyMs) {
  static final double DEFAULT_LATENCY_MS = 8;
  static final FaultRule NONE = new FaultRule("", false, false, null, 0.0, DEFAULT_LATENCY_MS);

  static FaultRule from(JsonObject json) {
    Number crash = json.getNumber("crash_after_seconds");
    Number rate = json.getNumber("error_rate");
    Number latency = json.getNumber("latency_ms");
    return new FaultRule(
        json.getString("image", ""),
        json.getBoolean("fail_start", false),
        json.getBoolean("never_ready", false),
        crash == null ? null : crash.doubleValue(),
        rate == null ? 0.0 : rate.doubleValue(),
        latency == null ? DEFAULT_LATENCY_MS : latency.doubleValue());
  }

  boolean matches(String imageRef) {
    return !image.isEmpty() && Glob.matches(image, imageRef);
  }
}
