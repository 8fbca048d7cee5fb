package io.ctrlplane.runner;

import static io.ctrlplane.testing.Rollouts.releaseId;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fast rollback on the simulator (issue 16): ahead of the queue, the running rollout cancelled and
 * reverted, and a traffic switch when the earlier release still runs warm. The runner keeps its
 * default poll interval: it is woken by NOTIFY, as in production.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Fast rollback")
class FastRollbackTest {
  private static final Duration END = Duration.ofSeconds(60);
  private ApiClient api;
  private Rollouts rollouts;

  @BeforeAll
  void start(ApiClient client) {
    api = client.checked();
    rollouts = new Rollouts(api);
  }

  private ApiClient.Response rollback(String instanceId, int version) {
    ApiClient.Response r =
        api.post(
            "/v1/instances/" + instanceId + "/rollback", new JsonObject().put("version", version));
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r;
  }

  @Test
  @DisplayName(
      "a rollback goes ahead of the pending deploys and cancels (reverting) the running one; the pending one runs after it")
  void jumpsTheQueue() {
    String id = rollouts.liveInstance(2, "acme/app:1");
    JsonArray steps =
        new JsonArray()
            .add(new JsonObject().put("set_weight", 50))
            .add(new JsonObject().put("pause", new JsonObject()));
    rollouts.awaitState(rollouts.deploy(id, "acme/app:2", "rolling", null), "succeeded", END);
    String v2 = rollouts.deploy(id, "acme/app:3", "canary", new JsonObject().put("steps", steps));
    Await.until(
        END,
        "v3 paused at 50 %",
        () ->
            "paused".equals(rollouts.deployment(v2).getJsonObject("progress").getString("phase"))
                ? true
                : null);
    String v3 = rollouts.deploy(id, "acme/app:4", "rolling", null);
    String back = rollback(id, 1).json().getString("id");
    JsonObject backDone = rollouts.awaitState(back, "succeeded", END);
    JsonObject v2Done = rollouts.awaitState(v2, "cancelled", END);
    assertThat(backDone.getString("strategy")).isEqualTo("blue-green");
    JsonObject v3Done = rollouts.awaitState(v3, "succeeded", END);
    assertThat(Rollouts.startedAt(backDone)).isBefore(Rollouts.startedAt(v3Done));
    assertThat(Rollouts.finishedAt(v2Done)).isBeforeOrEqualTo(Rollouts.startedAt(backDone));
    // the rollback is v5 (v1's image); the deploy queued before it (v4) came after it
    assertThat(backDone.getJsonObject("release").getInteger("version")).isEqualTo(5);
    assertThat(rollouts.instanceJson(id).getJsonObject("current_release").getInteger("version"))
        .isEqualTo(4);
  }

  @Test
  @DisplayName(
      "a rollback to a release still warm (blue-green's scale-down window) is a traffic switch: 100 % on it within a second")
  void warmRollbackIsASwitch() {
    String id = rollouts.liveInstance(3, "acme/app:1");
    rollouts.awaitState(
        rollouts.deploy(
            id, "acme/app:2", "blue-green", new JsonObject().put("scale_down_delay_seconds", 120)),
        "succeeded",
        END);
    long t0 = System.nanoTime();
    ApiClient.Response r = rollback(id, 1);
    String back = r.json().getString("id");
    String v3 = r.json().getJsonObject("release").getString("id");
    long acceptedMs = (System.nanoTime() - t0) / 1_000_000;
    long switchedMs =
        Await.until(
            Duration.ofSeconds(10),
            "all traffic on the rollback",
            () ->
                Map.of(v3, 100)
                        .equals(
                            rollouts
                                .fleet(id)
                                .getJsonObject("traffic")
                                .getJsonObject("effective")
                                .getMap())
                    ? (System.nanoTime() - t0) / 1_000_000
                    : null);
    JsonObject done = rollouts.awaitState(back, "succeeded", END);
    FleetHistory history = rollouts.history(id);
    Instant created = Instant.parse(done.getString("created_at"));
    Instant switchAt =
        history.entries("traffic.set").stream()
            .filter(
                e ->
                    Map.of(v3, 100)
                        .equals(e.getJsonObject("detail").getJsonObject("weights").getMap()))
            .map(e -> Instant.parse(e.getString("at")))
            .findFirst()
            .orElseThrow();
    long dbMs = Duration.between(created, switchAt).toMillis();

    System.out.printf(
        "simulator warm rollback: accepted in %d ms, 100 %% seen by the client at %d ms, "
            + "deployment created -> started %d ms -> traffic.set %d ms (database clock)%n",
        acceptedMs,
        switchedMs,
        Duration.between(created, Rollouts.startedAt(done)).toMillis(),
        dbMs);
    assertThat(history.entries("replica.created"))
        .as("no replica started for the rollback")
        .noneSatisfy(
            e -> assertThat(releaseId(done)).isEqualTo(e.getJsonObject("release").getString("id")));
    assertThat(history.entries("replica.adopted")).hasSize(3);
    // the target is 1 s; the bound leaves room for a machine shared with other test JVMs
    assertThat(dbMs).isLessThan(2000);
    List<JsonObject> plan = done.getJsonArray("plan").stream().map(JsonObject.class::cast).toList();
    assertThat(plan).extracting(s -> s.getString("type")).contains("ensure_ready", "set_traffic");
  }
}
