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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Strategies roll out on the simulator, proved from its timeline")
class StrategyRolloutTest {
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

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"rolling", "blue-green", "canary", "recreate"})
  @DisplayName(
      "the first deploy of an instance starts the full set and sends it all traffic, whatever the strategy")
  void firstDeploy(String strategy) {
    String instanceId = rollouts.instance(3);
    JsonObject done =
        rollouts.awaitState(
            rollouts.deploy(instanceId, "acme/app:1", strategy, null), "succeeded", END);
    JsonArray plan = done.getJsonArray("plan");
    assertThat(plan)
        .as("the planned steps, as many as progress counted")
        .hasSize(done.getJsonObject("progress").getInteger("steps"));
    assertThat(plan.stream().map(o -> ((JsonObject) o).getString("description")))
        .as("every step in words")
        .allSatisfy(text -> assertThat(text).isNotBlank());

    JsonObject fleet = rollouts.fleet(instanceId);
    assertThat(fleet.getBoolean("simulated")).isTrue();
    assertThat(fleet.getJsonObject("traffic").getJsonObject("weights").getMap())
        .isEqualTo(Map.of(releaseId(done), 100));
    assertThat(fleet.getJsonArray("releases")).hasSize(1);
    assertThat(fleet.getJsonArray("releases").getJsonObject(0).getInteger("ready")).isEqualTo(3);
    assertThat(rollouts.instanceJson(instanceId).getJsonObject("current_release").getString("id"))
        .isEqualTo(releaseId(done));
    JsonObject progress = done.getJsonObject("progress");
    assertThat(progress.getString("phase")).isEqualTo("succeeded");
    assertThat(progress.getInteger("step")).isEqualTo(progress.getInteger("steps"));
    assertThat(progress.getJsonObject("ready").getInteger("new")).isEqualTo(3);
  }

  @Test
  @DisplayName(
      "rolling keeps ready serving capacity at replicas - max_unavailable and running replicas at replicas + max_surge")
  void rolling() {
    String instanceId = rollouts.liveInstance(4, "acme/app:1");
    JsonObject done =
        rollouts.awaitState(
            rollouts.deploy(
                instanceId,
                "acme/app:2",
                "rolling",
                new JsonObject().put("max_surge", 1).put("max_unavailable", 1)),
            "succeeded",
            END);

    FleetHistory history = rollouts.history(instanceId);
    Instant from = startedAt(done);
    Instant to = finishedAt(done);
    assertThat(history.minServing(from, to)).isEqualTo(3);
    assertThat(history.maxRunning(from, to)).isLessThanOrEqualTo(5);
    // replicas were really replaced in batches: at some moment both releases served together
    assertThat(history.during(from, to)).anySatisfy(s -> assertThat(s.readyByRelease()).hasSize(2));
    assertOnlyNewLeft(instanceId, done, 4);
  }

  @Test
  @DisplayName("rolling with min_ready_seconds waits that long on each new batch before going on")
  void rollingMinReady() {
    String instanceId = rollouts.liveInstance(2, "acme/app:1");
    JsonObject done =
        rollouts.awaitState(
            rollouts.deploy(
                instanceId,
                "acme/app:2",
                "rolling",
                new JsonObject().put("max_surge", 1).put("min_ready_seconds", 1)),
            "succeeded",
            END);
    FleetHistory history = rollouts.history(instanceId);
    List<JsonObject> ready =
        history.entries("replica.ready").stream()
            .filter(e -> e.getJsonObject("release").getString("id").equals(releaseId(done)))
            .toList();
    List<JsonObject> stops =
        history.entries("replica.stopped").stream()
            .filter(e -> e.getJsonObject("release").getString("id").equals(previousReleaseId(done)))
            .toList();
    // the first old replica stops only once the first new one has been ready for a second
    assertThat(
            Duration.between(
                Instant.parse(ready.get(0).getString("at")),
                Instant.parse(stops.get(0).getString("at"))))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(history.minServing(startedAt(done), finishedAt(done))).isEqualTo(2);
  }

  @Test
  @DisplayName(
      "blue-green switches 100% of traffic at once, only when the whole new set is ready, and stops the old set after the delay")
  void blueGreen() {
    String instanceId = rollouts.liveInstance(3, "acme/app:1");
    JsonObject done =
        rollouts.awaitState(
            rollouts.deploy(
                instanceId,
                "acme/app:2",
                "blue-green",
                new JsonObject().put("scale_down_delay_seconds", 1)),
            "succeeded",
            END);
    String v1 = previousReleaseId(done);
    String v2 = releaseId(done);

    FleetHistory history = rollouts.history(instanceId);
    Instant from = startedAt(done);
    // all traffic on the old set when it starts (the first deploy pinned it there), one switch to
    // the new set
    assertThat(history.during(from, from).get(0).weights()).isEqualTo(Map.of(v1, 100));
    assertThat(history.trafficChanges(from, finishedAt(done))).containsExactly(Map.of(v2, 100));
    JsonObject switchEntry =
        history.entries("traffic.set").stream()
            .filter(e -> e.getJsonObject("detail").getJsonObject("weights").containsKey(v2))
            .findFirst()
            .orElseThrow();
    Instant switchAt = Instant.parse(switchEntry.getString("at"));
    FleetHistory.Sample atSwitch =
        history.during(switchAt, switchAt).get(history.during(switchAt, switchAt).size() - 1);
    assertThat(atSwitch.readyByRelease()).containsEntry(v2, 3).containsEntry(v1, 3);
    // the old set still runs right after success: a rollback now is a traffic switch
    assertThat(rollouts.replicasByRelease(instanceId).getInteger(v1, 0)).isEqualTo(3);

    Await.until(
        Duration.ofSeconds(10),
        "old set stopped",
        () -> rollouts.replicasByRelease(instanceId).getInteger(v1, 0) == 0 ? true : null);
    FleetHistory after = rollouts.history(instanceId);
    Instant lastOldStop =
        after.entries("replica.stopped").stream()
            .filter(e -> e.getJsonObject("release").getString("id").equals(v1))
            .map(e -> Instant.parse(e.getString("at")))
            .max(Instant::compareTo)
            .orElseThrow();
    assertThat(Duration.between(switchAt, lastOldStop))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(after.minServing(from, lastOldStop.plusMillis(1))).isEqualTo(3);
  }

  @Test
  @DisplayName(
      "a rollback inside blue-green's scale-down window adopts the old set still running: a traffic switch, no restart")
  void blueGreenRollbackWithinWindow() {
    String instanceId = rollouts.liveInstance(3, "acme/app:1");
    JsonObject v2 =
        rollouts.awaitState(
            rollouts.deploy(
                instanceId,
                "acme/app:2",
                "blue-green",
                new JsonObject().put("scale_down_delay_seconds", 60)),
            "succeeded",
            END);
    String v1 = previousReleaseId(v2);

    ApiClient.Response rollback =
        api.post(
            "/v1/instances/" + instanceId + "/rollback",
            new JsonObject()
                .put("version", 1)
                .put("strategy", "blue-green")
                .put("strategy_params", new JsonObject().put("scale_down_delay_seconds", 0)));
    assertThat(rollback.status()).as(rollback.text()).isEqualTo(202);
    JsonObject back = rollouts.awaitState(rollback.json().getString("id"), "succeeded", END);
    String v3 = releaseId(back);

    FleetHistory history = rollouts.history(instanceId);
    Instant from = startedAt(back);
    Instant to = finishedAt(back);
    assertThat(history.entries("replica.created"))
        .as("no replica started for the rollback")
        .noneSatisfy(e -> assertThat(e.getJsonObject("release").getString("id")).isEqualTo(v3));
    assertThat(history.entries("replica.adopted"))
        .hasSize(3)
        .allSatisfy(
            e -> assertThat(e.getJsonObject("detail").getString("from_release")).isEqualTo(v1));
    assertThat(history.trafficChanges(from, to)).containsExactly(Map.of(v3, 100));
    assertThat(history.minServing(from, to)).isEqualTo(3);
    assertThat(rollouts.replicasByRelease(instanceId).getMap()).isEqualTo(Map.of(v3, 3));
    assertThat(rollouts.deployment(v2.getString("id")).getString("state")).isEqualTo("rolled_back");
  }

  @Test
  @DisplayName(
      "canary traffic follows the steps, with the pauses between them, and never drops serving capacity")
  void canary() {
    String instanceId = rollouts.liveInstance(4, "acme/app:1");
    JsonArray steps =
        new JsonArray()
            .add(new JsonObject().put("set_weight", 25))
            .add(new JsonObject().put("pause", new JsonObject().put("seconds", 1)))
            .add(
                new JsonObject()
                    .put(
                        "analysis",
                        new JsonObject().put("max_error_rate", 0.1).put("window_seconds", 1)))
            .add(new JsonObject().put("set_weight", 50));
    JsonObject done =
        rollouts.awaitState(
            rollouts.deploy(
                instanceId, "acme/app:2", "canary", new JsonObject().put("steps", steps)),
            "succeeded",
            END);
    String v1 = previousReleaseId(done);
    String v2 = releaseId(done);

    FleetHistory history = rollouts.history(instanceId);
    Instant from = startedAt(done);
    Instant to = finishedAt(done);
    assertThat(history.during(from, from).get(0).weights()).isEqualTo(Map.of(v1, 100));
    assertThat(history.trafficChanges(from, to))
        .containsExactly(Map.of(v2, 25, v1, 75), Map.of(v2, 50, v1, 50), Map.of(v2, 100));
    List<Instant> sets =
        history.entries("traffic.set").stream()
            .map(e -> Instant.parse(e.getString("at")))
            .filter(t -> !t.isBefore(from))
            .toList();
    assertThat(Duration.between(sets.get(0), sets.get(1)))
        .as("pause 1 s + analysis 1 s")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(history.minServing(from, to)).isEqualTo(4);
    FleetHistory.Sample at25 =
        history
            .during(sets.get(0), sets.get(0))
            .get(history.during(sets.get(0), sets.get(0)).size() - 1);
    assertThat(at25.readyByRelease()).containsEntry(v2, 1).containsEntry(v1, 4);
    assertOnlyNewLeft(instanceId, done, 4);
  }

  @Test
  @DisplayName(
      "recreate stops the old set before starting the new one, and the timeline shows the gap")
  void recreate() {
    String instanceId = rollouts.liveInstance(3, "acme/app:1");
    JsonObject done =
        rollouts.awaitState(
            rollouts.deploy(instanceId, "acme/app:2", "recreate", null), "succeeded", END);
    FleetHistory history = rollouts.history(instanceId);
    Instant from = startedAt(done);
    Instant to = finishedAt(done);
    // nothing serves from the stop until the first new replica is ready: at least start + ready
    // delay
    assertThat(history.longestOutage(from, to)).isGreaterThanOrEqualTo(Duration.ofMillis(90));
    assertThat(history.maxRunning(from, to)).isEqualTo(3);
    assertOnlyNewLeft(instanceId, done, 3);
  }

  @Test
  @DisplayName(
      "each step is checkpointed and announced with a deploy.progressed event in the outbox")
  void progressEvents() {
    String instanceId = rollouts.liveInstance(2, "acme/app:1");
    JsonObject done =
        rollouts.awaitState(
            rollouts.deploy(
                instanceId,
                "acme/app:2",
                "canary",
                new JsonObject()
                    .put("steps", new JsonArray().add(new JsonObject().put("set_weight", 50)))),
            "succeeded",
            END);
    var rows =
        Await.result(
            pool.preparedQuery(
                    "SELECT type, event FROM outbox WHERE event->>'subject' = $1 ORDER BY seq")
                .execute(Tuple.of(done.getString("id"))));
    List<String> types = new java.util.ArrayList<>();
    List<JsonObject> progressed = new java.util.ArrayList<>();
    rows.forEach(
        r -> {
          types.add(r.getString("type"));
          if (r.getString("type").equals("deploy.progressed")) {
            progressed.add(
                r.getJsonObject("event").getJsonObject("data").getJsonObject("progress"));
          }
        });
    var plan =
        Await.result(
                pool.preparedQuery("SELECT plan, checkpoint FROM deployments WHERE id = $1")
                    .execute(Tuple.of(done.getString("id"))))
            .iterator()
            .next();
    int steps = plan.getJsonObject("plan").getJsonArray("steps").size();
    assertThat(plan.getInteger("checkpoint")).isEqualTo(steps);
    assertThat(types.get(0)).isEqualTo("deploy.queued");
    assertThat(types.get(1)).isEqualTo("deploy.started");
    assertThat(types.get(types.size() - 1)).isEqualTo("deploy.succeeded");
    assertThat(progressed).hasSize(steps);
    assertThat(progressed.get(0).getInteger("steps")).isEqualTo(steps);
    assertThat(progressed)
        .extracting(p -> p.getString("message"))
        .allSatisfy(m -> assertThat(m).startsWith("step "));
  }

  private void assertOnlyNewLeft(String instanceId, JsonObject done, int replicas) {
    JsonObject byRelease = rollouts.replicasByRelease(instanceId);
    assertThat(byRelease.getMap()).isEqualTo(Map.of(releaseId(done), replicas));
    assertThat(
            rollouts.fleet(instanceId).getJsonObject("traffic").getJsonObject("weights").getMap())
        .isEqualTo(Map.of(releaseId(done), 100));
    assertThat(rollouts.instanceJson(instanceId).getJsonObject("current_release").getString("id"))
        .isEqualTo(releaseId(done));
  }
}
