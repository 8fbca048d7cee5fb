package io.ctrlplane.runner;

import static io.ctrlplane.testing.Rollouts.previousReleaseId;
import static io.ctrlplane.testing.Rollouts.releaseId;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The release phase (issue 18) on the simulator: it runs once per release before any replica of it
 * starts; a failing or timed-out phase fails the deployment with nothing moved (fleet and traffic
 * as they were); a release whose phase succeeded is not run again; rollbacks skip it unless asked.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Release phase (simulator)")
class ReleasePhaseTest {
  private static final Duration END = Duration.ofSeconds(40);
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final JsonArray COMMAND =
      new JsonArray().add("./migrate").add("up").add("v{version}");
  private static final JsonObject FAULTS =
      new JsonObject()
          .put("start_delay_ms", 50)
          .put("ready_delay_ms", 50)
          .put(
              "faults",
              new JsonArray()
                  .add(new JsonObject().put("image", "*:badmig").put("release_phase_fail", true))
                  .add(new JsonObject().put("image", "*:slowmig").put("release_phase_ms", 60_000))
                  .add(new JsonObject().put("image", "*:mig2s").put("release_phase_ms", 2_000)));

  private ApiClient api;
  private Rollouts rollouts;
  private io.ctrlplane.testing.Sql sql;

  @BeforeAll
  void start(ApiClient client, CtrlPlane plane) {
    api = client.checked();
    rollouts = new Rollouts(api);
    sql = plane.sql();
  }

  /** An instance with a release command, live on acme/app:1 (whose phase ran). */
  private String liveInstance(int timeoutSeconds) {
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "relphase-" + NAMES.incrementAndGet())
                .put("replicas", 2)
                .put("provider_config", FAULTS)
                .put("release_command", COMMAND)
                .put("release_timeout_seconds", timeoutSeconds));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(r.json().getJsonArray("release_command")).isEqualTo(COMMAND);
    assertThat(r.json().getInteger("release_timeout_seconds")).isEqualTo(timeoutSeconds);
    String instance = r.json().getString("id");
    String first = rollouts.deploy(instance, "acme/app:1", "rolling", null);
    rollouts.awaitState(first, "succeeded", END);
    return instance;
  }

  private Map<String, Object> weights(String instance) {
    return rollouts.fleet(instance).getJsonObject("traffic").getJsonObject("weights").getMap();
  }

  private long runs(String deploymentId, String outcome) {
    return sql.count(
        "SELECT count(*) FROM release_phase_runs WHERE deployment_id = $1 AND outcome = $2",
        deploymentId,
        outcome);
  }

  /** Nothing of the failed release ever ran, and the old release serves as before. */
  private void assertUntouched(String instance, JsonObject failed) {
    String v1 = previousReleaseId(failed);
    assertThat(rollouts.history(instance).entries("replica.created"))
        .noneSatisfy(
            e ->
                assertThat(e.getJsonObject("release").getString("id"))
                    .isEqualTo(releaseId(failed)));
    assertThat(rollouts.replicasByRelease(instance).getMap()).isEqualTo(Map.of(v1, 2));
    assertThat(rollouts.instanceJson(instance).getJsonObject("current_release").getString("id"))
        .isEqualTo(v1);
    Map<String, Object> w = weights(instance);
    assertThat(w.keySet()).doesNotContain(releaseId(failed));
  }

  @Test
  @DisplayName("it runs before any replica starts, shown as blocked_on release_phase, then goes on")
  void succeeds() {
    String instance = liveInstance(30);
    String id = rollouts.deploy(instance, "acme/app:mig2s", "blue-green", new JsonObject());
    JsonObject blocked =
        Await.until(
            Duration.ofSeconds(20),
            "progress blocked on the release phase",
            () -> {
              JsonObject p = rollouts.deployment(id).getJsonObject("progress");
              return p != null && "release_phase".equals(p.getString("blocked_on")) ? p : null;
            });
    assertThat(blocked.encode()).contains("./migrate up v2");
    String v2 = releaseId(rollouts.deployment(id));
    assertThat(rollouts.replicasByRelease(instance).getMap()).doesNotContainKey(v2);
    JsonObject done = rollouts.awaitState(id, "succeeded", END);
    assertThat(runs(id, "succeeded")).isEqualTo(1);
    assertThat(
            sql.rows("SELECT argv FROM release_phase_runs WHERE deployment_id = $1", id)
                .get(0)
                .getJsonArray("argv"))
        .isEqualTo(new JsonArray().add("./migrate").add("up").add("v2"));
    assertThat(weights(instance)).isEqualTo(Map.of(releaseId(done), 100));
    ApiClient.Response logs = api.get("/v1/deployments/" + id + "/release-phase/logs");
    assertThat(logs.status()).as(logs.text()).isEqualTo(200);
    assertThat(logs.json().getJsonArray("runs")).hasSize(1);
    JsonObject run = logs.json().getJsonArray("runs").getJsonObject(0);
    assertThat(run.getString("outcome")).isEqualTo("succeeded");
    assertThat(run.getInteger("exit_code")).isEqualTo(0);
    assertThat(run.getString("output")).contains("./migrate up v2");
  }

  @Test
  @DisplayName("a failing phase fails the deployment before any traffic moves or replica starts")
  void fails() {
    String instance = liveInstance(30);
    String id = rollouts.deploy(instance, "acme/app:badmig", "canary", null);
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error"))
        .contains("release phase failed with exit code 1")
        .contains("./migrate up v2")
        .contains("release_phase_fail");
    assertThat(runs(id, "failed")).isEqualTo(1);
    assertUntouched(instance, failed);
    ApiClient.Response logs = api.get("/v1/deployments/" + id + "/release-phase/logs");
    assertThat(logs.json().getJsonArray("runs").getJsonObject(0).getInteger("exit_code"))
        .isEqualTo(1);
  }

  @Test
  @DisplayName("a phase past release_timeout_seconds fails the deployment with nothing moved")
  void timesOut() {
    String instance = liveInstance(1);
    String id = rollouts.deploy(instance, "acme/app:slowmig", "rolling", null);
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error"))
        .contains("release phase timed out after 1 s (release_timeout_seconds)");
    assertThat(runs(id, "timed_out")).isEqualTo(1);
    assertUntouched(instance, failed);
  }

  @Test
  @DisplayName("a release whose phase succeeded is not run again; a rollback skips it unless asked")
  void onceAndRollbacks() {
    String instance = liveInstance(30);
    String v1Deploy =
        sql.rows(
                "SELECT d.id FROM deployments d WHERE d.instance_id = $1 ORDER BY d.seq LIMIT 1",
                instance)
            .get(0)
            .getString("id");
    assertThat(runs(v1Deploy, "succeeded")).isEqualTo(1);
    String v2 = rollouts.deploy(instance, "acme/app:2", "rolling", null);
    rollouts.awaitState(v2, "succeeded", END);
    assertThat(runs(v2, "succeeded")).isEqualTo(1);
    ApiClient.Response r =
        api.post("/v1/instances/" + instance + "/rollback", new JsonObject().put("version", 1));
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    String back = r.json().getString("id");
    rollouts.awaitState(back, "succeeded", END);
    assertThat(sql.count("SELECT count(*) FROM release_phase_runs WHERE deployment_id = $1", back))
        .isZero();
    r =
        api.post(
            "/v1/instances/" + instance + "/rollback",
            new JsonObject().put("version", 2).put("run_release_phase", true));
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    String asked = r.json().getString("id");
    rollouts.awaitState(asked, "succeeded", END);
    assertThat(runs(asked, "succeeded")).isEqualTo(1);
  }

  @Test
  @DisplayName("a bad release_command or timeout is refused with 422 naming the field")
  void validation() {
    ApiClient.Response r =
        api.raw()
            .post(
                "/v1/instances",
                new JsonObject()
                    .put("name", "relphase-bad")
                    .put("release_command", new JsonArray().add("./migrate").add("{port}")));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text()).contains("release_command[1]").contains("unknown placeholder {port}");
    r =
        api.raw()
            .post(
                "/v1/instances",
                new JsonObject()
                    .put("name", "relphase-bad")
                    .put("release_command", new JsonArray())
                    .put("release_timeout_seconds", 0));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text()).contains("\"release_command\"").contains("release_timeout_seconds");
    String instance = rollouts.instance(1);
    r =
        api.raw()
            .send(
                HttpMethod.PATCH,
                "/v1/instances/" + instance,
                new JsonObject().put("release_command", "migrate").encode(),
                Map.of("Content-Type", "application/merge-patch+json"));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text()).contains("release_command");
    assertThat(rollouts.instanceJson(instance).getValue("release_command")).isNull();
    r =
        api.send(
            HttpMethod.PATCH,
            "/v1/instances/" + instance,
            new JsonObject().put("release_command", COMMAND).encode(),
            Map.of("Content-Type", "application/merge-patch+json"));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getJsonArray("release_command")).isEqualTo(COMMAND);
    assertThat(r.json().getInteger("release_timeout_seconds")).isEqualTo(300);
  }
}
