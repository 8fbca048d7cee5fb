package io.ctrlplane.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Canary analysis on the simulator's traffic model: exact numbers, so each verdict is known in
 * advance.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Canary analysis gives three verdicts, and only a successful one promotes")
class AnalysisRolloutTest {
  private static final Duration END = Duration.ofSeconds(40);
  private ApiClient api;
  private Rollouts rollouts;
  private Pool pool;

  @BeforeAll
  void start(ApiClient api, Sql sql) {
    this.api = api;
    rollouts = new Rollouts(api);
    pool = sql.pool();
  }

  private String liveInstance(double requestsPerSecond) {
    JsonObject config = Rollouts.SIM.copy().put("requests_per_second", requestsPerSecond);
    config
        .getJsonArray("faults")
        .add(new JsonObject().put("image", "*:slow").put("latency_ms", 400));
    String instanceId = rollouts.instance(2, config);
    rollouts.awaitState(
        rollouts.deploy(instanceId, "acme/app:1", "rolling", null), "succeeded", END);
    return instanceId;
  }

  private static JsonObject canary(JsonObject analysis) {
    return new JsonObject()
        .put(
            "steps",
            new JsonArray()
                .add(new JsonObject().put("set_weight", 50))
                .add(new JsonObject().put("analysis", analysis)));
  }

  private static JsonObject metric(String name, String measure, String bound, double limit) {
    return new JsonObject()
        .put("name", name)
        .put(measure, new JsonObject().put(bound, limit))
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

  private long analysisEvents(String deploymentId) {
    return Await.result(
            pool.preparedQuery(
                    "SELECT count(*) AS n FROM outbox WHERE type = 'deploy.analysis' "
                        + "AND event->>'subject' = $1")
                .execute(Tuple.of(deploymentId)))
        .iterator()
        .next()
        .getLong("n");
  }

  @Test
  @DisplayName(
      "a healthy canary with no traffic at all ends inconclusive and paused, never succeeded; promote accepts it")
  void zeroTrafficIsInconclusive() {
    String instanceId = liveInstance(0);
    JsonObject errors = metric("errors", "error_rate", "max", 0.05).put("count", 2);
    String id = rollouts.deploy(instanceId, "acme/app:2", "canary", canary(spec(1, errors)));

    JsonObject paused = awaitBlocked(id, "analysis_inconclusive");
    assertThat(paused.getString("state")).isEqualTo("running");
    assertThat(paused.getJsonObject("progress").getString("phase")).isEqualTo("paused");
    assertThat(paused.getJsonObject("progress").getString("message"))
        .contains("analysis inconclusive: metric errors of v2")
        .contains("served 0 requests, fewer than min_requests 1");
    List<JsonObject> evidence = measurements(id);
    assertThat(evidence).hasSize(1);
    assertThat(evidence.get(0).getString("verdict")).isEqualTo("inconclusive");
    assertThat(evidence.get(0).getLong("sample_size")).isZero();
    assertThat(evidence.get(0).getValue("value")).isNull();
    assertThat(analysisEvents(id)).isEqualTo(1);
    // it stays paused: another second brings no second measurement and no promotion
    JsonObject later =
        Await.until(
            END,
            "progress refreshed while paused",
            () -> {
              JsonObject d = rollouts.deployment(id);
              return d.getJsonObject("progress")
                          .getString("observed_at")
                          .compareTo(paused.getJsonObject("progress").getString("observed_at"))
                      > 0
                  ? d
                  : null;
            });
    assertThat(later.getString("state")).isEqualTo("running");
    assertThat(measurements(id)).hasSize(1);

    ApiClient.Response promote = api.post("/v1/deployments/" + id + "/promote", null);
    assertThat(promote.status()).as(promote.text()).isEqualTo(202);
    rollouts.awaitState(id, "succeeded", END);
  }

  @Test
  @DisplayName("cancel reverts an inconclusive canary: all traffic back on the old release")
  void cancelRevertsInconclusive() {
    String instanceId = liveInstance(0);
    String id =
        rollouts.deploy(
            instanceId,
            "acme/app:2",
            "canary",
            canary(spec(1, metric("rps", "requests_per_second", "min", 1))));
    awaitBlocked(id, "analysis_inconclusive");
    assertThat(api.post("/v1/deployments/" + id + "/cancel", null).status()).isEqualTo(202);
    JsonObject done = rollouts.awaitState(id, "cancelled", END);
    assertThat(
            rollouts.fleet(instanceId).getJsonObject("traffic").getJsonObject("weights").getMap())
        .isEqualTo(Map.of(Rollouts.previousReleaseId(done), 100));
  }

  @Test
  @DisplayName("the progress deadline still ends an inconclusive analysis")
  void deadlineEndsInconclusive() {
    String instanceId = liveInstance(0);
    String id =
        rollouts.deploy(
            instanceId,
            "acme/app:2",
            "canary",
            canary(spec(1, metric("errors", "error_rate", "max", 0.05)))
                .put("progress_deadline_seconds", 3));
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error"))
        .contains("did not complete within progress_deadline_seconds (3 s)")
        .contains("analysis inconclusive");
  }

  @Test
  @DisplayName(
      "failures beyond failure_limit fail the canary with the metric, value and limit, and revert")
  void failuresFail() {
    String instanceId = liveInstance(100);
    JsonObject errors =
        metric("errors", "error_rate", "max", 0.1).put("count", 3).put("failure_limit", 1);
    String id = rollouts.deploy(instanceId, "acme/app:flaky", "canary", canary(spec(10, errors)));
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error"))
        .contains("analysis failed: metric errors of v2: error_rate was 0.300, above max 0.100")
        .contains("2 of 2 measurements failed, failure_limit 1");
    List<JsonObject> evidence = measurements(id);
    assertThat(evidence)
        .extracting(m -> m.getString("verdict"))
        .containsExactly("failed", "failed");
    // 100 requests/s, half of them to the canary, over 1 s windows
    assertThat(evidence).allSatisfy(m -> assertThat(m.getLong("sample_size")).isEqualTo(50));
    assertThat(evidence).allSatisfy(m -> assertThat(m.getDouble("value")).isEqualTo(0.3));
    assertThat(evidence).allSatisfy(m -> assertThat(m.getDouble("limit")).isEqualTo(0.1));
    assertThat(analysisEvents(id)).isEqualTo(2);
    assertThat(
            rollouts.fleet(instanceId).getJsonObject("traffic").getJsonObject("weights").getMap())
        .isEqualTo(Map.of(Rollouts.previousReleaseId(failed), 100));
  }

  @Test
  @DisplayName("a healthy canary with traffic succeeds after count successful measurements")
  void healthySucceeds() {
    String instanceId = liveInstance(100);
    String id =
        rollouts.deploy(
            instanceId,
            "acme/app:2",
            "canary",
            canary(
                spec(
                    20,
                    metric("errors", "error_rate", "max", 0.05).put("count", 3),
                    metric("p99", "latency_p99_ms", "max", 100),
                    metric("vs-stable", "error_rate", "max_delta", 0.01))));
    rollouts.awaitState(id, "succeeded", END);
    List<JsonObject> evidence = measurements(id);
    assertThat(evidence).hasSize(5);
    assertThat(evidence)
        .allSatisfy(m -> assertThat(m.getString("verdict")).isEqualTo("successful"));
    assertThat(analysisEvents(id)).isEqualTo(5);
  }

  @Test
  @DisplayName("a canary 400 ms slower than stable fails the baseline latency comparison")
  void latencyRegressionFailsBaseline() {
    String instanceId = liveInstance(100);
    String id =
        rollouts.deploy(
            instanceId,
            "acme/app:slow",
            "canary",
            canary(spec(10, metric("latency", "latency_p99_ms", "max_ratio", 2))));
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error")).contains("metric latency of v2").contains("x stable");
    JsonObject m = measurements(id).get(0);
    assertThat(m.getString("verdict")).isEqualTo("failed");
    assertThat(m.getDouble("value")).isGreaterThan(250.0);
    assertThat(m.getDouble("stable_value")).isLessThanOrEqualTo(10.0);
  }

  @Test
  @DisplayName(
      "a bake catches errors after the new release took all traffic and moves it straight back to the warm old release")
  void bakeRevertsToWarmOld() {
    String instanceId = liveInstance(100);
    JsonObject params =
        new JsonObject()
            .put(
                "steps",
                new JsonArray()
                    .add(new JsonObject().put("set_weight", 50))
                    .add(new JsonObject().put("pause", new JsonObject().put("seconds", 1))))
            .put("bake_seconds", 3)
            .put("bake_analysis", spec(10, metric("errors", "error_rate", "max", 0.1)));
    String id = rollouts.deploy(instanceId, "acme/app:flaky", "canary", params);
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    String old = Rollouts.previousReleaseId(failed);
    String neu = Rollouts.releaseId(failed);
    assertThat(failed.getString("error"))
        .contains("metric bake:errors of v2: error_rate was 0.300, above max 0.100");
    JsonObject m = measurements(id).get(0);
    // measured while new served everything: 100 requests/s over 1 s
    assertThat(m.getLong("sample_size")).isEqualTo(100);
    List<JsonObject> timeline = rollouts.timeline(instanceId);
    java.time.Instant from = Rollouts.startedAt(failed);
    List<JsonObject> during =
        timeline.stream()
            .filter(e -> !java.time.Instant.parse(e.getString("at")).isBefore(from))
            .toList();
    assertThat(during)
        .as("the old release's replicas stayed warm: none stopped, none started")
        .noneMatch(
            e ->
                old.equals(e.getString("release_id"))
                    && e.getString("kind").startsWith("replica."));
    java.time.Instant measuredAt = java.time.Instant.parse(m.getString("taken_at"));
    JsonObject back =
        during.stream()
            .filter(e -> "traffic.set".equals(e.getString("kind")))
            .filter(e -> !java.time.Instant.parse(e.getString("at")).isBefore(measuredAt))
            .findFirst()
            .orElseThrow();
    Duration revert = Duration.between(measuredAt, java.time.Instant.parse(back.getString("at")));
    System.out.printf(
        "bake: traffic back on the old release %d ms after the failed measurement%n",
        revert.toMillis());
    assertThat(revert).isLessThan(Duration.ofSeconds(1));
    assertThat(
            rollouts.fleet(instanceId).getJsonObject("traffic").getJsonObject("weights").getMap())
        .isEqualTo(Map.of(old, 100));
    assertThat(neu).isNotEqualTo(old);
  }
}
