package io.ctrlplane.runner;

import static io.ctrlplane.testing.Rollouts.finishedAt;
import static io.ctrlplane.testing.Rollouts.previousReleaseId;
import static io.ctrlplane.testing.Rollouts.releaseId;
import static io.ctrlplane.testing.Rollouts.startedAt;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.FleetHistory;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName(
    "A rollout that goes wrong reverts: traffic back on the old release, new replicas gone")
class RolloutFailureTest {
  private static final Duration END = Duration.ofSeconds(30);
  private AppConfig config;
  private ApiClient api;
  private Rollouts rollouts;
  private Pool pool;

  @BeforeAll
  void start(AppConfig config, ApiClient api, Sql sql) {
    this.config = config;
    this.api = api;
    rollouts = new Rollouts(api);
    pool = sql.pool();
  }

  static Stream<Arguments> faults() {
    JsonArray crashyCanary =
        new JsonArray()
            .add(new JsonObject().put("set_weight", 50))
            .add(new JsonObject().put("pause", new JsonObject().put("seconds", 5)));
    JsonArray analysed =
        new JsonArray()
            .add(new JsonObject().put("set_weight", 30))
            .add(
                new JsonObject()
                    .put(
                        "analysis",
                        new JsonObject().put("max_error_rate", 0.1).put("window_seconds", 1)));
    return Stream.of(
        Arguments.of(
            "never_ready",
            "acme/app:bad-2",
            "rolling",
            new JsonObject().put("progress_deadline_seconds", 2),
            "did not complete within progress_deadline_seconds (2 s)",
            Duration.ofSeconds(2)),
        Arguments.of(
            "fail_start",
            "acme/app:nostart",
            "blue-green",
            new JsonObject().put("progress_deadline_seconds", 20),
            "failed to start",
            Duration.ZERO),
        Arguments.of(
            "crash_after_seconds",
            "acme/app:crashy",
            "canary",
            new JsonObject().put("steps", crashyCanary).put("progress_deadline_seconds", 20),
            "crashed",
            Duration.ofMillis(500)),
        Arguments.of(
            "error_rate",
            "acme/app:flaky",
            "canary",
            new JsonObject().put("steps", analysed).put("progress_deadline_seconds", 20),
            "analysis failed: error rate of v2 was 0.300 over 1 s, above max_error_rate 0.100",
            Duration.ofSeconds(1)));
  }

  @ParameterizedTest(name = "{0} ({2})")
  @MethodSource("faults")
  @DisplayName(
      "a fault rule fails the deployment in time and the old release keeps serving throughout")
  void faultReverts(
      String fault,
      String image,
      String strategy,
      JsonObject params,
      String reason,
      Duration atLeast) {
    String instanceId = rollouts.liveInstance(3, "acme/app:1");
    JsonObject failed =
        rollouts.awaitState(rollouts.deploy(instanceId, image, strategy, params), "failed", END);

    assertThat(failed.getString("error")).contains(reason);
    Duration took = Duration.between(startedAt(failed), finishedAt(failed));
    assertThat(took)
        .isGreaterThanOrEqualTo(atLeast)
        .isLessThan(
            Duration.ofSeconds(params.getInteger("progress_deadline_seconds")).plusSeconds(5));
    String v1 = previousReleaseId(failed);
    assertThat(rollouts.replicasByRelease(instanceId).getMap())
        .as("only the old set is left")
        .isEqualTo(Map.of(v1, 3));
    assertThat(
            rollouts.fleet(instanceId).getJsonObject("traffic").getJsonObject("weights").getMap())
        .isEqualTo(Map.of(v1, 100));
    JsonObject instance = rollouts.instanceJson(instanceId);
    assertThat(instance.getJsonObject("current_release").getString("id")).isEqualTo(v1);
    assertThat(instance.getJsonObject("health").getString("status")).isEqualTo("healthy");
    FleetHistory history = rollouts.history(instanceId);
    assertThat(history.minServing(startedAt(failed), finishedAt(failed))).isEqualTo(3);
    assertThat(history.entries("replica.created"))
        .filteredOn(e -> e.getJsonObject("release").getString("id").equals(releaseId(failed)))
        .isNotEmpty();
    assertThat(failed.getJsonObject("progress").getString("phase")).isEqualTo("failed");
    assertThat(eventTypes(failed.getString("id")))
        .contains("deploy.started", "deploy.failed")
        .doesNotContain("deploy.succeeded");
  }

  @Test
  @DisplayName("a failed first deploy leaves nothing running and no current release")
  void firstDeployFails() {
    String instanceId = rollouts.instance(2);
    JsonObject failed =
        rollouts.awaitState(
            rollouts.deploy(instanceId, "acme/app:nostart", "rolling", null), "failed", END);
    assertThat(failed.getString("error")).contains("failed to start");
    assertThat(rollouts.fleet(instanceId).getJsonArray("replicas")).isEmpty();
    assertThat(rollouts.instanceJson(instanceId).getValue("current_release")).isNull();
  }

  @Test
  @DisplayName(
      "when the revert itself cannot bring the old release back, the instance is marked degraded; the next success clears it")
  void revertFailsDegraded() {
    String instanceId = rollouts.liveInstance(2, "acme/app:1");
    // from now on the old image no longer becomes ready (say its registry went away): running
    // replicas are unaffected
    JsonObject broken = Rollouts.SIM.copy();
    broken
        .getJsonArray("faults")
        .add(0, new JsonObject().put("image", "acme/app:1").put("never_ready", true));
    Await.result(
        pool.preparedQuery("UPDATE instances SET provider_config = $2 WHERE id = $1")
            .execute(Tuple.of(instanceId, broken)));

    JsonObject failed =
        rollouts.awaitState(
            rollouts.deploy(
                instanceId,
                "acme/app:bad-2",
                "recreate",
                new JsonObject().put("progress_deadline_seconds", 1)),
            "failed",
            END);

    assertThat(failed.getString("error"))
        .contains("did not complete within progress_deadline_seconds")
        .contains("revert failed: revert step 1 (ensure 2 ready replicas of old)");
    JsonObject health = rollouts.instanceJson(instanceId).getJsonObject("health");
    assertThat(health.getString("status")).isEqualTo("degraded");
    assertThat(health.getString("reason")).contains("ensure 2 ready replicas of old");

    Await.result(
        pool.preparedQuery("UPDATE instances SET provider_config = $2 WHERE id = $1")
            .execute(Tuple.of(instanceId, Rollouts.SIM)));
    JsonObject fixed =
        rollouts.awaitState(
            rollouts.deploy(instanceId, "acme/app:3", "rolling", null), "succeeded", END);
    assertThat(rollouts.instanceJson(instanceId).getJsonObject("health").getString("status"))
        .isEqualTo("healthy");
    assertThat(rollouts.replicasByRelease(instanceId).getMap())
        .isEqualTo(Map.of(releaseId(fixed), 2));
  }

  private java.util.List<String> eventTypes(String deploymentId) {
    java.util.List<String> types = new java.util.ArrayList<>();
    Await.result(
            pool.preparedQuery("SELECT type FROM outbox WHERE event->>'subject' = $1 ORDER BY seq")
                .execute(Tuple.of(deploymentId)))
        .forEach(r -> types.add(r.getString("type")));
    return types;
  }
}
