package io.ctrlplane.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Analyses beside a strategy's own steps, on the simulator's traffic model: blue-green's pre- and
 * post-promotion analyses, background analyses of rolling and canary, and bakes of every strategy.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Pre/post-promotion, background and bake analyses guard every strategy")
class GuardedRolloutTest {
  private static final Duration END = Duration.ofSeconds(45);
  private ApiClient api;
  private Rollouts rollouts;

  @BeforeAll
  void start(ApiClient api) {
    this.api = api;
    rollouts = new Rollouts(api);
  }

  private String liveInstance(int replicas, double requestsPerSecond) {
    JsonObject config = Rollouts.SIM.copy().put("requests_per_second", requestsPerSecond);
    String instanceId = rollouts.instance(replicas, config);
    rollouts.awaitState(
        rollouts.deploy(instanceId, "acme/app:1", "rolling", null), "succeeded", END);
    return instanceId;
  }

  private static JsonObject errors(double max) {
    return new JsonObject()
        .put("name", "errors")
        .put("error_rate", new JsonObject().put("max", max))
        .put("interval_seconds", 1);
  }

  private static JsonObject spec(int minRequests, JsonObject... metrics) {
    return new JsonObject()
        .put("min_requests", minRequests)
        .put("metrics", new JsonArray(List.of((Object[]) metrics)));
  }

  private List<JsonObject> measurements(String deploymentId) {
    ApiClient.Response r = api.get("/v1/deployments/" + deploymentId + "/analysis");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonArray("items").stream().map(o -> (JsonObject) o).toList();
  }

  private Map<String, Object> weights(String instanceId) {
    return rollouts.fleet(instanceId).getJsonObject("traffic").getJsonObject("weights").getMap();
  }

  private JsonObject awaitBlocked(String id, String blockedOn) {
    return Await.until(
        END,
        id + " blocked on " + blockedOn,
        () -> {
          JsonObject d = rollouts.deployment(id);
          JsonObject p = d.getJsonObject("progress", new JsonObject());
          assertThat(d.getString("state")).as(d.encode()).isIn("pending", "running");
          return blockedOn.equals(p.getString("blocked_on")) ? d : null;
        });
  }

  /** Timeline entries of the deployment's lifetime. */
  private List<JsonObject> during(String instanceId, JsonObject deployment) {
    Instant from = Rollouts.startedAt(deployment);
    return rollouts.timeline(instanceId).stream()
        .filter(e -> !Instant.parse(e.getString("at")).isBefore(from))
        .toList();
  }

  /**
   * How long after the failed measurement traffic moved back (the first traffic.set after it), as
   * the provider's timeline recorded it.
   */
  private static Duration backAfter(List<JsonObject> during, JsonObject failedMeasurement) {
    Instant measuredAt = Instant.parse(failedMeasurement.getString("taken_at"));
    JsonObject back =
        during.stream()
            .filter(e -> "traffic.set".equals(e.getString("kind")))
            .filter(e -> !Instant.parse(e.getString("at")).isBefore(measuredAt))
            .findFirst()
            .orElseThrow();
    return Duration.between(measuredAt, Instant.parse(back.getString("at")));
  }

  private static JsonObject lastFailed(List<JsonObject> evidence) {
    return evidence.stream()
        .filter(m -> "failed".equals(m.getString("verdict")))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  @Test
  @DisplayName(
      "blue-green: a failed post-promotion analysis switches traffic straight back to the warm old set")
  void postPromotionSwitchesBack() {
    String instanceId = liveInstance(2, 100);
    JsonObject params =
        new JsonObject()
            .put("scale_down_delay_seconds", 30)
            .put("post_promotion_analysis", spec(10, errors(0.1).put("count", 2)));
    String id = rollouts.deploy(instanceId, "acme/app:flaky", "blue-green", params);
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    String old = Rollouts.previousReleaseId(failed);
    assertThat(failed.getString("error"))
        .contains("analysis failed: metric errors of v2: error_rate was 0.300, above max 0.100");
    List<JsonObject> evidence = measurements(id);
    // measured after the switch: v2 served all 100 requests/s
    assertThat(evidence.get(0).getLong("sample_size")).isEqualTo(100);
    List<JsonObject> during = during(instanceId, failed);
    assertThat(during)
        .as("the old set stayed warm: none of its replicas stopped or started")
        .noneMatch(
            e ->
                old.equals(e.getString("release_id"))
                    && e.getString("kind").startsWith("replica."));
    Duration back = backAfter(during, lastFailed(evidence));
    System.out.printf(
        "blue-green post-promotion: traffic back on the old set %d ms after the failed measurement%n",
        back.toMillis());
    assertThat(back).isLessThan(Duration.ofSeconds(1));
    assertThat(weights(instanceId)).isEqualTo(Map.of(old, 100));
  }

  @Test
  @DisplayName(
      "blue-green: a pre-promotion analysis of a preview nobody sends traffic to is inconclusive; the switch never happens")
  void prePromotionWithoutPreviewTrafficNeverSwitches() {
    String instanceId = liveInstance(2, 100);
    JsonObject params =
        new JsonObject().put("pre_promotion_analysis", spec(1, errors(0.05).put("count", 1)));
    String id = rollouts.deploy(instanceId, "acme/app:2", "blue-green", params);
    JsonObject paused = awaitBlocked(id, "analysis_inconclusive");
    String old = Rollouts.previousReleaseId(paused);
    assertThat(paused.getJsonObject("progress").getString("message"))
        .contains("served 0 requests, fewer than min_requests 1");
    assertThat(weights(instanceId)).isEqualTo(Map.of(old, 100));
    ApiClient.Response cancel = api.post("/v1/deployments/" + id + "/cancel", null);
    assertThat(cancel.status()).as(cancel.text()).isEqualTo(202);
    rollouts.awaitState(id, "cancelled", END);
    assertThat(weights(instanceId)).isEqualTo(Map.of(old, 100));
  }

  @Test
  @DisplayName(
      "blue-green: a healthy release passes its post-promotion analysis and its bake, then old stops")
  void cleanPostPromotionAndBakeSucceed() {
    String instanceId = liveInstance(2, 100);
    JsonObject params =
        new JsonObject()
            .put("scale_down_delay_seconds", 0)
            .put("post_promotion_analysis", spec(10, errors(0.05)))
            .put("bake_seconds", 2);
    String id = rollouts.deploy(instanceId, "acme/app:2", "blue-green", params);
    JsonObject done = rollouts.awaitState(id, "succeeded", END);
    List<JsonObject> evidence = measurements(id);
    assertThat(evidence)
        .extracting(m -> m.getString("metric"))
        .containsExactly("errors", "bake:errors", "bake:errors");
    assertThat(evidence)
        .allSatisfy(m -> assertThat(m.getString("verdict")).isEqualTo("successful"));
    assertThat(weights(instanceId)).isEqualTo(Map.of(Rollouts.releaseId(done), 100));
    assertThat(rollouts.replicasByRelease(instanceId).getMap())
        .isEqualTo(Map.of(Rollouts.releaseId(done), 2));
  }

  @Test
  @DisplayName(
      "rolling: a background analysis fails the rollout mid-roll, the moment it fails, and reverts")
  void backgroundFailsRollingMidRoll() {
    String instanceId = liveInstance(4, 100);
    JsonObject params =
        new JsonObject()
            .put("max_surge", 1)
            .put("max_unavailable", 0)
            .put("min_ready_seconds", 2)
            .put("background_analysis", spec(5, errors(0.1)));
    String id = rollouts.deploy(instanceId, "acme/app:flaky", "rolling", params);
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    String neu = Rollouts.releaseId(failed);
    assertThat(failed.getString("error"))
        .startsWith(
            "background analysis failed: metric background:errors of v2: error_rate was 0.300");
    List<JsonObject> evidence = measurements(id);
    assertThat(evidence).isNotEmpty();
    // the plan: set_traffic, then 4 rounds of ensure_ready (3 of them followed by a scale_down of
    // old), the last scale_down, set_traffic, stop_others: 11 steps; background is step 11
    assertThat(evidence)
        .as("background measurements carry the step after the last")
        .allSatisfy(m -> assertThat(m.getInteger("step")).isEqualTo(11));
    long newStarted =
        during(instanceId, failed).stream()
            .filter(e -> neu.equals(e.getString("release_id")))
            .filter(e -> "replica.started".equals(e.getString("kind")))
            .count();
    assertThat(newStarted).as("failed before the roll got through its 4 rounds").isLessThan(4);
    assertThat(weights(instanceId)).isEqualTo(Map.of(Rollouts.previousReleaseId(failed), 100));
  }

  @Test
  @DisplayName(
      "rolling: a bake keeps the old replicas warm; a failure moves traffic straight back to them")
  void rollingBakeRevertsToWarmOld() {
    String instanceId = liveInstance(2, 100);
    JsonObject params =
        new JsonObject()
            .put("max_surge", 1)
            .put("bake_seconds", 3)
            .put("bake_analysis", spec(10, errors(0.1)));
    String id = rollouts.deploy(instanceId, "acme/app:flaky", "rolling", params);
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    String old = Rollouts.previousReleaseId(failed);
    assertThat(failed.getString("error"))
        .contains("metric bake:errors of v2: error_rate was 0.300, above max 0.100");
    List<JsonObject> evidence = measurements(id);
    assertThat(evidence.get(0).getLong("sample_size")).isEqualTo(100);
    List<JsonObject> during = during(instanceId, failed);
    assertThat(during)
        .as("the old release's replicas stayed warm: none stopped, none started")
        .noneMatch(
            e ->
                old.equals(e.getString("release_id"))
                    && e.getString("kind").startsWith("replica."));
    Duration back = backAfter(during, lastFailed(evidence));
    System.out.printf(
        "rolling bake: traffic back on the old release %d ms after the failed measurement%n",
        back.toMillis());
    assertThat(back).isLessThan(Duration.ofSeconds(1));
    assertThat(weights(instanceId)).isEqualTo(Map.of(old, 100));
  }

  @Test
  @DisplayName(
      "recreate: a failed bake reverts to the old release (started again: nothing was warm)")
  void recreateBakeReverts() {
    String instanceId = liveInstance(2, 100);
    JsonObject params =
        new JsonObject().put("bake_seconds", 2).put("bake_analysis", spec(10, errors(0.1)));
    String id = rollouts.deploy(instanceId, "acme/app:flaky", "recreate", params);
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error")).contains("metric bake:errors of v2");
    String old = Rollouts.previousReleaseId(failed);
    assertThat(weights(instanceId)).isEqualTo(Map.of(old, 100));
    assertThat(rollouts.replicasByRelease(instanceId).getMap()).isEqualTo(Map.of(old, 2));
  }

  @Test
  @DisplayName(
      "canary: an inconclusive background analysis pauses the rollout at its step; promote accepts it")
  void inconclusiveBackgroundPausesUntilPromoted() {
    String instanceId = liveInstance(2, 100);
    JsonObject params =
        new JsonObject()
            .put(
                "steps",
                new JsonArray()
                    .add(new JsonObject().put("set_weight", 50))
                    .add(new JsonObject().put("pause", new JsonObject().put("seconds", 5))))
            // 50 requests/s to the canary can never reach 1000 in a 1 s window
            .put("background_analysis", spec(1000, errors(0.05)));
    String id = rollouts.deploy(instanceId, "acme/app:2", "canary", params);
    JsonObject paused = awaitBlocked(id, "analysis_inconclusive");
    assertThat(paused.getJsonObject("progress").getString("phase")).isEqualTo("paused");
    assertThat(paused.getJsonObject("progress").getString("message"))
        .startsWith("background analysis inconclusive: metric background:errors of v2");
    ApiClient.Response promote = api.post("/v1/deployments/" + id + "/promote", null);
    assertThat(promote.status()).as(promote.text()).isEqualTo(202);
    rollouts.awaitState(id, "succeeded", END);
    assertThat(measurements(id))
        .as("accepted: no background measurement after the promote")
        .hasSize(1);
  }
}
