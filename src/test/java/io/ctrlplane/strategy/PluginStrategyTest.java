package io.ctrlplane.strategy;

import static io.ctrlplane.testing.Rollouts.releaseId;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.ChildProcess;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A strategy from a jar: the server runs in a JVM of its own with the all-at-once plugin jar on its
 * classpath, as an operator would deploy it. (On the shared test classpath the plugin would join
 * every other test's strategy list and change what they assert.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// no roles here: the server runs in a child JVM with the plugin jar on its classpath
@CtrlPlaneServer(roles = "")
@DisplayName("A strategy added by a jar on the classpath")
class PluginStrategyTest {
  private static final Duration END = Duration.ofSeconds(30);
  private ChildProcess server;
  private ApiClient api;
  private Rollouts rollouts;

  @BeforeAll
  void start(CtrlPlane plane, AppConfig config) {
    int port = TestStack.freePort();
    server =
        ChildProcess.serve(
                "strategy-plugin",
                "api,runner",
                config,
                Map.of(
                    "CTRLPLANE_HTTP_PORT",
                    String.valueOf(port),
                    "CTRLPLANE_AUTH_ENABLED",
                    "true",
                    "CTRLPLANE_BOOTSTRAP_API_KEY",
                    TestStack.BOOTSTRAP_KEY,
                    "CTRLPLANE_ENCRYPTION_KEY",
                    TestStack.ENCRYPTION_KEY,
                    "CTRLPLANE_RUNNER_INSTANCES",
                    "1",
                    "CTRLPLANE_RUNNER_POLL_MS",
                    "250"),
                List.of(PluginJars.allAtOnce()))
            .awaitOutput("Ctrl Plane is up", Duration.ofSeconds(60));
    api = plane.client(port);
    rollouts = new Rollouts(api);
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.terminate(Duration.ofSeconds(15));
    }
  }

  @Test
  @DisplayName("is listed when the server starts")
  void listed() {
    assertThat(server.output())
        .contains("strategies: rolling, blue-green, canary, recreate, all-at-once");
  }

  @Test
  @DisplayName(
      "deploys through the HTTP API on the simulator: its plan runs and the new set serves")
  void deploys() {
    String instanceId = rollouts.liveInstance(3, "acme/app:1");
    JsonObject done =
        rollouts.awaitState(
            rollouts.deploy(
                instanceId,
                "acme/app:2",
                "all-at-once",
                new JsonObject().put("min_ready_seconds", 1)),
            "succeeded",
            END);

    assertThat(done.getString("strategy")).isEqualTo("all-at-once");
    assertThat(done.getJsonObject("strategy_params"))
        .isEqualTo(
            new JsonObject().put("min_ready_seconds", 1).put("progress_deadline_seconds", 600));
    JsonArray plan = done.getJsonArray("plan");
    assertThat(plan.stream().map(o -> ((JsonObject) o).getString("description")))
        .containsExactly(
            "set traffic old 100%",
            "ensure 3 ready replicas of new (ready for 1 s)",
            "set traffic new 100%",
            "stop every replica not of new");
    JsonObject fleet = rollouts.fleet(instanceId);
    assertThat(fleet.getJsonObject("traffic").getJsonObject("weights").getMap())
        .isEqualTo(Map.of(releaseId(done), 100));
    assertThat(fleet.getJsonArray("releases")).hasSize(1);
    assertThat(fleet.getJsonArray("releases").getJsonObject(0).getInteger("ready")).isEqualTo(3);
    assertThat(rollouts.instanceJson(instanceId).getJsonObject("current_release").getString("id"))
        .isEqualTo(releaseId(done));
  }

  @Test
  @DisplayName("has its params validated by its own rules, reported like a built-in's")
  void validates() {
    String instanceId = rollouts.instance(1);
    ApiClient.Response r =
        api.post(
            "/v1/instances/" + instanceId + "/deployments",
            new JsonObject()
                .put("image", "acme/app:1")
                .put("strategy", "all-at-once")
                .put(
                    "strategy_params",
                    new JsonObject().put("min_ready_seconds", 601).put("max_surge", 1)));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.json().getJsonArray("errors"))
        .containsExactly(
            new JsonObject()
                .put("field", "strategy_params.max_surge")
                .put(
                    "message",
                    "unknown parameter for strategy all-at-once; known: min_ready_seconds, "
                        + "progress_deadline_seconds"),
            new JsonObject()
                .put("field", "strategy_params.min_ready_seconds")
                .put("message", "must be between 0 and 600 (got 601)"));

    ApiClient.Response unknown =
        api.post(
            "/v1/instances/" + instanceId + "/deployments",
            new JsonObject().put("image", "acme/app:1").put("strategy", "all-at-twice"));
    assertThat(unknown.status()).as(unknown.text()).isEqualTo(422);
    assertThat(unknown.json().getJsonArray("errors"))
        .containsExactly(
            new JsonObject()
                .put("field", "strategy")
                .put(
                    "message",
                    "unknown strategy 'all-at-twice': expected one of rolling, blue-green, "
                        + "canary, recreate, all-at-once"));
  }
}
