package io.ctrlplane.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.cli.SseParser;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.RunnerProcess;
import io.ctrlplane.testing.StepBoundaries;
import io.ctrlplane.testing.WatchStream;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The API in this JVM, the rollout in a runner process: the watch learns of each step from
 * PostgreSQL NOTIFY alone (the fallback re-read is set to a minute, longer than the whole rollout).
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: the runner is a process of its own, started in start()
@CtrlPlaneServer(
    roles = "api,relay",
    config = {"http.watch_poll_ms=60000", "http.watch_keepalive_ms=60000"})
@DisplayName("A watch on one process sees a rollout driven by a runner in another")
class WatchAcrossProcessesTest {
  private static final Duration END = Duration.ofSeconds(60);
  private static final JsonObject SLOW =
      new JsonObject().put("start_delay_ms", 200).put("ready_delay_ms", 300);
  private AppConfig config;
  private ApiClient api;
  private Rollouts rollouts;
  private RunnerProcess runner;

  @BeforeAll
  void start(AppConfig config, ApiClient api) throws Exception {
    this.config = config;
    this.api = api;
    rollouts = new Rollouts(api);
    runner =
        RunnerProcess.start(
            "watch-runner", config, 5, Path.of("target", "runner-processes", "watch"));
    runner.awaitLog("Ctrl Plane is up", Duration.ofSeconds(60));
  }

  @AfterAll
  void stop() throws Exception {
    runner.close();
  }

  @Test
  @DisplayName(
      "the plan's steps arrive through NOTIFY in order (every step it waits in), the event history "
          + "has every step boundary, the terminal state arrives and the stream ends")
  void stepsAndEnd() {
    String instanceId = rollouts.instance(3, SLOW);
    rollouts.awaitState(
        rollouts.deploy(instanceId, "acme/app:1", "rolling", null), "succeeded", END);
    // the instance watch is open before the deploy, so it sees the deployment from its first step
    try (WatchStream instance =
        WatchStream.open(config.http().port(), "/v1/instances/" + instanceId + "/watch")) {
      instance.await(END, "the instance", e -> e.type().equals("instance"));
      String id =
          rollouts.deploy(
              instanceId, "acme/app:2", "rolling", new JsonObject().put("max_surge", 1));
      try (WatchStream deployment =
          WatchStream.open(config.http().port(), "/v1/deployments/" + id + "/watch")) {
        deployment.awaitEnd(END);
        List<JsonObject> seen =
            deployment.events().stream().map(e -> new JsonObject(e.data())).toList();
        assertThat(seen.get(seen.size() - 1).getString("state")).isEqualTo("succeeded");
      }
      instance.await(
          END,
          "the deployment's success on the instance watch",
          e ->
              e.type().equals("deployment")
                  && new JsonObject(e.data()).getString("id").equals(id)
                  && new JsonObject(e.data()).getString("state").equals("succeeded"));
      JsonObject done = rollouts.deployment(id);
      int planned = done.getJsonArray("plan").size();
      assertThat(done.getJsonObject("progress").getInteger("steps")).isEqualTo(planned);
      assertThat(planned).as("a rollout of several steps").isGreaterThan(4);
      List<JsonObject> watched =
          instance.events().stream()
              .filter(e -> e.type().equals("deployment"))
              .map(e -> new JsonObject(e.data()))
              .filter(d -> d.getString("id").equals(id))
              .toList();
      StepBoundaries.assertAgainstPlan(
          done.getJsonArray("plan"), StepBoundaries.history(api, id), watched);
      assertThat(runner.log()).contains(id);

      SseParser.Event released =
          instance.await(
              END,
              "the instance on v2",
              e ->
                  e.type().equals("instance")
                      && new JsonObject(e.data())
                              .getJsonObject("current_release")
                              .getInteger("version")
                          == 2);
      assertThat(released.data()).isEqualTo(api.get("/v1/instances/" + instanceId).text());
    }
  }
}
