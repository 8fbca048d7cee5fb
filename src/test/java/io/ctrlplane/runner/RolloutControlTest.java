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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName(
    "Users steer rollouts: cancel, pause, resume, promote; deployments of one instance queue")
class RolloutControlTest {
  private static final Duration END = Duration.ofSeconds(30);
  private static final Duration SEEN = Duration.ofSeconds(15);

  /**
   * Slower replicas (1.2 s to ready), so a rollout is still under way when a test steps in, even on
   * a busy machine.
   */
  private static final JsonObject SLOW =
      new JsonObject().put("start_delay_ms", 500).put("ready_delay_ms", 700);

  private static final Set<String> ACTIONS =
      Set.of(
          "replica.created",
          "replica.adopted",
          "replica.stop_scheduled",
          "replica.stop_cancelled",
          "traffic.set");
  private AppConfig config;
  private ApiClient api;
  private Rollouts rollouts;

  @BeforeAll
  void start(AppConfig config, ApiClient api) {
    this.config = config;
    this.api = api;
    rollouts = new Rollouts(api);
  }

  private String slowLiveInstance(int replicas) {
    String instanceId = rollouts.instance(replicas, SLOW);
    rollouts.awaitState(
        rollouts.deploy(instanceId, "acme/app:1", "rolling", null), "succeeded", END);
    return instanceId;
  }

  private JsonObject awaitProgress(
      String deploymentId, String what, Predicate<JsonObject> condition) {
    return Await.until(
        SEEN,
        what,
        () -> {
          JsonObject d = rollouts.deployment(deploymentId);
          assertThat(d.getString("state"))
              .as("deployment ended early: %s", d.getString("error"))
              .isEqualTo("running");
          return condition.test(d.getJsonObject("progress")) ? d : null;
        });
  }

  private int newReady(JsonObject progress) {
    JsonObject ready = progress.getJsonObject("ready");
    return ready == null ? 0 : ready.getInteger("new", 0);
  }

  private ApiClient.Response post(String deploymentId, String command, JsonObject body) {
    return api.post("/v1/deployments/" + deploymentId + "/" + command, body);
  }

  /**
   * Cancels once {@code midway} holds, then checks the revert: old release whole and serving, new
   * one gone.
   */
  private void cancelMidway(
      String strategy, JsonObject params, String what, Predicate<JsonObject> midway) {
    String instanceId = slowLiveInstance(3);
    String id = rollouts.deploy(instanceId, "acme/app:2", strategy, params);
    awaitProgress(id, what, midway);

    ApiClient.Response cancel = post(id, "cancel", null);
    assertThat(cancel.status()).as(cancel.text()).isEqualTo(202);
    JsonObject cancelled = rollouts.awaitState(id, "cancelled", END);

    assertThat(cancelled.getString("error")).isEqualTo("cancelled on request");
    String v1 = previousReleaseId(cancelled);
    String v2 = releaseId(cancelled);
    assertThat(rollouts.replicasByRelease(instanceId).getMap()).isEqualTo(Map.of(v1, 3));
    assertThat(
            rollouts.fleet(instanceId).getJsonObject("traffic").getJsonObject("weights").getMap())
        .isEqualTo(Map.of(v1, 100));
    assertThat(rollouts.instanceJson(instanceId).getJsonObject("current_release").getString("id"))
        .isEqualTo(v1);
    FleetHistory history = rollouts.history(instanceId);
    assertThat(history.entries("replica.created"))
        .as("the rollout had started new replicas")
        .anySatisfy(e -> assertThat(e.getJsonObject("release").getString("id")).isEqualTo(v2));
    if (!strategy.equals("recreate")) {
      int floor = strategy.equals("rolling") ? 3 - params.getInteger("max_unavailable", 0) : 3;
      assertThat(history.minServing(startedAt(cancelled), finishedAt(cancelled)))
          .isGreaterThanOrEqualTo(floor);
    }
  }

  @Test
  @DisplayName(
      "cancelling a rolling deployment half way restores the old set and removes the new replicas")
  void cancelRolling() {
    cancelMidway(
        "rolling",
        new JsonObject().put("max_surge", 1),
        "some new replicas ready",
        p -> newReady(p) >= 1 && p.getJsonObject("replicas").getInteger("old") < 3);
  }

  @Test
  @DisplayName(
      "cancelling a blue-green deployment while the new set starts keeps all traffic on the old set")
  void cancelBlueGreen() {
    cancelMidway(
        "blue-green",
        new JsonObject().put("auto_promote", false),
        "new set starting",
        p ->
            p.getJsonObject("replicas") != null
                && p.getJsonObject("replicas").getInteger("new") > 0);
  }

  @Test
  @DisplayName("cancelling a canary at a pause sends its traffic share back to the stable release")
  void cancelCanary() {
    JsonArray steps =
        new JsonArray()
            .add(new JsonObject().put("set_weight", 40))
            .add(new JsonObject().put("pause", new JsonObject()));
    cancelMidway(
        "canary",
        new JsonObject().put("steps", steps),
        "canary paused with traffic",
        p ->
            "paused".equals(p.getString("phase"))
                && p.getJsonObject("traffic").getInteger("new") == 40);
  }

  @Test
  @DisplayName(
      "cancelling a recreate deployment after the old set stopped starts the old set again")
  void cancelRecreate() {
    cancelMidway(
        "recreate",
        null,
        "old set stopped, new set starting",
        p ->
            p.getJsonObject("replicas") != null
                && p.getJsonObject("replicas").getInteger("old") == 0
                && p.getJsonObject("replicas").getInteger("new") > 0);
  }

  @Test
  @DisplayName(
      "pause holds a rollout (no provider action while paused, shown as paused), resume carries it to the end")
  void pauseAndResume() {
    String instanceId = slowLiveInstance(3);
    String id =
        rollouts.deploy(instanceId, "acme/app:2", "rolling", new JsonObject().put("max_surge", 1));
    awaitProgress(id, "first new replica ready", p -> newReady(p) >= 1);

    assertThat(post(id, "pause", null).status()).isEqualTo(202);
    assertThat(post(id, "pause", null).status()).as("already paused").isEqualTo(409);
    JsonObject paused = awaitProgress(id, "paused", p -> "paused".equals(p.getString("phase")));
    assertThat(paused.getJsonObject("progress").getString("blocked_on")).isEqualTo("pause");
    Instant seenPaused = Instant.parse(paused.getJsonObject("progress").getString("observed_at"));
    // the runner re-reports every second while it waits: wait for a report 1.5 s later, still
    // paused
    awaitProgress(
        id,
        "still paused 1.5 s later",
        p ->
            "paused".equals(p.getString("phase"))
                && Instant.parse(p.getString("observed_at")).isAfter(seenPaused.plusMillis(1500)));
    List<JsonObject> actionsWhilePaused =
        rollouts.timeline(instanceId).stream()
            .filter(
                e ->
                    ACTIONS.contains(e.getString("kind"))
                        || e.getString("kind").equals("replica.stopped"))
            .filter(e -> Instant.parse(e.getString("at")).isAfter(seenPaused))
            .toList();
    assertThat(actionsWhilePaused).isEmpty();

    assertThat(post(id, "resume", null).status()).isEqualTo(202);
    assertThat(
            rollouts.awaitState(id, "succeeded", END).getJsonObject("progress").getString("phase"))
        .isEqualTo("succeeded");
    assertThat(post(id, "resume", null).status()).as("no longer running").isEqualTo(409);
  }

  @Test
  @DisplayName(
      "promote ends an indefinite canary pause (which no deadline fails); a full promote skips the remaining steps")
  void promoteCanary() {
    String instanceId = rollouts.liveInstance(4, "acme/app:1");
    JsonArray steps =
        new JsonArray()
            .add(new JsonObject().put("set_weight", 25))
            .add(new JsonObject().put("pause", new JsonObject()))
            .add(new JsonObject().put("set_weight", 50))
            .add(new JsonObject().put("pause", new JsonObject().put("seconds", 3600)))
            .add(
                new JsonObject()
                    .put(
                        "analysis",
                        new JsonObject().put("max_error_rate", 0.01).put("window_seconds", 3600)));
    String id =
        rollouts.deploy(
            instanceId,
            "acme/app:2",
            "canary",
            new JsonObject().put("steps", steps).put("progress_deadline_seconds", 1));

    JsonObject first =
        awaitProgress(id, "paused at 25%", p -> "paused".equals(p.getString("phase")));
    assertThat(first.getJsonObject("progress").getJsonObject("traffic").getMap())
        .isEqualTo(Map.of("old", 75, "new", 25));
    assertThat(first.getJsonObject("progress").getString("blocked_on")).isEqualTo("pause");
    Instant since = Instant.parse(first.getJsonObject("progress").getString("observed_at"));
    awaitProgress(
        id,
        "still paused past the 1 s deadline",
        p ->
            "paused".equals(p.getString("phase"))
                && Instant.parse(p.getString("observed_at")).isAfter(since.plusMillis(1500)));

    assertThat(post(id, "promote", null).status()).isEqualTo(202);
    awaitProgress(
        id,
        "pausing 3600 s at 50%",
        p ->
            "pause".equals(p.getString("blocked_on"))
                && p.getJsonObject("traffic").getInteger("new") == 50);
    assertThat(post(id, "promote", new JsonObject().put("full", true)).status()).isEqualTo(202);
    JsonObject done = rollouts.awaitState(id, "succeeded", END);

    FleetHistory history = rollouts.history(instanceId);
    String v1 = previousReleaseId(done);
    String v2 = releaseId(done);
    assertThat(history.trafficChanges(startedAt(done), finishedAt(done)))
        .containsExactly(Map.of(v2, 25, v1, 75), Map.of(v2, 50, v1, 50), Map.of(v2, 100));
    assertThat(Duration.between(startedAt(done), finishedAt(done)))
        .isLessThan(Duration.ofSeconds(60));
  }

  @Test
  @DisplayName(
      "blue-green with auto_promote false waits, fully ready, for a promote before switching traffic")
  void promoteBlueGreen() {
    String instanceId = rollouts.liveInstance(2, "acme/app:1");
    String id =
        rollouts.deploy(
            instanceId,
            "acme/app:2",
            "blue-green",
            new JsonObject().put("auto_promote", false).put("scale_down_delay_seconds", 0));
    JsonObject waiting =
        awaitProgress(id, "awaiting promote", p -> "paused".equals(p.getString("phase")));
    assertThat(waiting.getJsonObject("progress").getJsonObject("ready").getMap())
        .isEqualTo(Map.of("old", 2, "new", 2));
    assertThat(waiting.getJsonObject("progress").getJsonObject("traffic").getMap())
        .isEqualTo(Map.of("old", 100, "new", 0));

    assertThat(post(id, "promote", null).status()).isEqualTo(202);
    JsonObject done = rollouts.awaitState(id, "succeeded", END);
    assertThat(rollouts.replicasByRelease(instanceId).getMap())
        .isEqualTo(Map.of(releaseId(done), 2));
  }

  @Test
  @DisplayName("commands that do not apply answer 409, malformed ones 422, unknown deployments 404")
  void notApplicable() {
    String instanceId = slowLiveInstance(2);
    String id = rollouts.deploy(instanceId, "acme/app:2", "rolling", null);
    awaitProgress(id, "running", p -> p.getJsonObject("replicas") != null);

    ApiClient.Response promote = post(id, "promote", null);
    assertThat(promote.status()).isEqualTo(409);
    assertThat(promote.json().getString("detail")).contains("no pause to skip");
    assertThat(post(id, "promote", new JsonObject().put("full", true)).status()).isEqualTo(409);
    assertThat(post(id, "resume", null).status()).isEqualTo(409);
    assertThat(post(id, "promote", new JsonObject().put("full", "yes")).status()).isEqualTo(422);
    assertThat(post(id, "pause", new JsonObject().put("until", "later")).status()).isEqualTo(422);
    assertThat(post("dep_unknown", "pause", null).status()).isEqualTo(404);
    rollouts.awaitState(id, "succeeded", END);
    assertThat(post(id, "pause", null).status()).isEqualTo(409);
  }

  @Test
  @DisplayName("three deployments of one instance queue and run one at a time, in order")
  void queue() {
    String instanceId = rollouts.instance(2);
    String first = rollouts.deploy(instanceId, "acme/app:1", "rolling", null);
    String second =
        rollouts.deploy(
            instanceId,
            "acme/app:2",
            "blue-green",
            new JsonObject().put("scale_down_delay_seconds", 0));
    String third =
        rollouts.deploy(
            instanceId,
            "acme/app:3",
            "canary",
            new JsonObject()
                .put("steps", new JsonArray().add(new JsonObject().put("set_weight", 50))));
    JsonObject queued = rollouts.deployment(third);
    assertThat(queued.getString("state")).isEqualTo("pending");
    assertThat(queued.getJsonObject("progress").getString("blocked_on")).isEqualTo("queue");

    JsonObject a = rollouts.awaitState(first, "succeeded", END);
    JsonObject b = rollouts.awaitState(second, "succeeded", END);
    JsonObject c = rollouts.awaitState(third, "succeeded", END);
    assertThat(startedAt(b)).isAfterOrEqualTo(finishedAt(a));
    assertThat(startedAt(c)).isAfterOrEqualTo(finishedAt(b));
    assertThat(previousReleaseId(b)).isEqualTo(releaseId(a));
    assertThat(previousReleaseId(c)).isEqualTo(releaseId(b));
    assertThat(rollouts.replicasByRelease(instanceId).getMap()).isEqualTo(Map.of(releaseId(c), 2));
  }

  @Test
  @DisplayName(
      "the fleet views check their input: 404 for an unknown instance, 400 for a bad limit or cursor")
  void fleetViews() {
    assertThat(api.get("/v1/instances/inst_unknown/fleet").status()).isEqualTo(404);
    assertThat(api.get("/v1/instances/inst_unknown/fleet/timeline").status()).isEqualTo(404);
    String instanceId = rollouts.liveInstance(1, "acme/app:1");
    assertThat(api.get("/v1/instances/" + instanceId + "/fleet/timeline?limit=0").status())
        .isEqualTo(400);
    assertThat(api.get("/v1/instances/" + instanceId + "/fleet/timeline?cursor=nope").status())
        .isEqualTo(400);
    ApiClient.Response page = api.get("/v1/instances/" + instanceId + "/fleet/timeline?limit=2");
    assertThat(page.json().getJsonArray("items")).hasSize(2);
    ApiClient.Response next =
        api.get(
            "/v1/instances/"
                + instanceId
                + "/fleet/timeline?limit=2&cursor="
                + page.json().getString("next_cursor"));
    assertThat(next.json().getJsonArray("items").getJsonObject(0).getLong("seq"))
        .isGreaterThan(page.json().getJsonArray("items").getJsonObject(1).getLong("seq"));
  }

  @Test
  @DisplayName(
      "an instance with a malformed simulator provider_config is refused with every problem listed")
  void providerConfigValidated() {
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "bad-config")
                .put(
                    "provider_config",
                    new JsonObject()
                        .put("start_delay_ms", -1)
                        .put("speed", 2)
                        .put(
                            "faults",
                            new JsonArray()
                                .add(new JsonObject().put("never_ready", true))
                                .add(new JsonObject().put("image", "*:x").put("error_rate", 1.5))
                                .add(new JsonObject().put("image", "*:y")))));
    assertThat(r.status()).isEqualTo(422);
    assertThat(
            r.json().getJsonArray("errors").stream()
                .map(e -> ((JsonObject) e).getString("field"))
                .toList())
        .containsExactlyInAnyOrder(
            "provider_config.speed",
            "provider_config.start_delay_ms",
            "provider_config.faults[0].image",
            "provider_config.faults[1].error_rate",
            "provider_config.faults[2]");
  }
}
