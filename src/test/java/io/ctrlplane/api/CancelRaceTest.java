package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName(
    "A cancel that races a deployment's success: exactly one of them wins, and the client is told which")
class CancelRaceTest {
  private static final int RUNS = 16;
  private static final Duration END = Duration.ofSeconds(30);
  private ApiClient api;
  private Rollouts rollouts;
  private Sql sql;

  @BeforeAll
  void start(ApiClient api, Sql sql) {
    this.api = api;
    rollouts = new Rollouts(api);
    this.sql = sql;
  }

  private record Run(String deploymentId, int cancelStatus, String cancelDetail, long offsetMs) {}

  @Test
  @DisplayName(
      "cancels sent just before, at and just after completion: 202 always ends cancelled, 409 always succeeded")
  void cancelAroundCompletion(Vertx vertx) {
    String instanceId =
        rollouts.instance(1, new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 150));
    rollouts.awaitState(
        rollouts.deploy(instanceId, "acme/app:0", "rolling", null), "succeeded", END);
    // how long a deployment runs here, from the moment a client sees it running until it has
    // succeeded
    long t0 = System.nanoTime();
    String calibration = rollouts.deploy(instanceId, "acme/app:1", "rolling", null);
    awaitRunning(calibration);
    long seenRunning = System.nanoTime();
    rollouts.awaitState(calibration, "succeeded", END);
    long duration = Math.max(100, (System.nanoTime() - seenRunning) / 1_000_000);

    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      // the cancel lands from the moment the deployment is seen running to well after it should
      // have succeeded
      long offset = i * duration * 3 / 2 / (RUNS - 1);
      String id = rollouts.deploy(instanceId, "acme/app:" + (i + 2), "rolling", null);
      awaitRunning(id);
      ApiClient.Response cancel =
          Await.result(
              vertx
                  .timer(Math.max(1, offset))
                  .compose(
                      v ->
                          api.sendAsync(
                              HttpMethod.POST,
                              "/v1/deployments/" + id + "/cancel",
                              null,
                              Map.of())),
              END);
      runs.add(new Run(id, cancel.status(), cancel.json().getString("detail"), offset));
      rollouts.awaitEnd(id, END);
    }

    Map<String, Integer> outcomes = new LinkedHashMap<>();
    for (Run run : runs) {
      JsonObject end = rollouts.deployment(run.deploymentId());
      String state = end.getString("state");
      outcomes.merge(run.cancelStatus() + " -> " + state, 1, Integer::sum);
      List<String> terminal = terminalEvents(run.deploymentId());
      if (run.cancelStatus() == 202) {
        assertThat(state).as("accepted cancel at +%d ms", run.offsetMs()).isEqualTo("cancelled");
        assertThat(end.getString("error")).isEqualTo("cancelled on request");
        assertThat(terminal).containsExactly("deploy.cancelled");
      } else {
        assertThat(run.cancelStatus()).as("cancel at +%d ms", run.offsetMs()).isEqualTo(409);
        assertThat(run.cancelDetail())
            .contains("already succeeded")
            .contains("can no longer be cancelled");
        assertThat(state).isEqualTo("succeeded");
        assertThat(terminal).containsExactly("deploy.succeeded");
      }
    }
    System.out.printf(
        "cancel race (deployment runs ~%d ms after it is seen running): %s%n", duration, outcomes);
    // both sides of the race were exercised: the earliest cancels must win, the latest must lose
    assertThat(runs.get(0).cancelStatus()).as("a cancel as soon as it runs").isEqualTo(202);
    assertThat(runs.get(RUNS - 1).cancelStatus())
        .as("a cancel well after it succeeded")
        .isEqualTo(409);

    // nothing overwrote an outcome afterwards
    for (Run run : runs) {
      assertThat(rollouts.deployment(run.deploymentId()).getString("state"))
          .isEqualTo(run.cancelStatus() == 202 ? "cancelled" : "succeeded");
    }
  }

  private void awaitRunning(String id) {
    Await.until(
        END,
        id + " running",
        () -> {
          String state = rollouts.deployment(id).getString("state");
          assertThat(state)
              .as("%s ended before it was seen running", id)
              .isIn("pending", "running");
          return state.equals("running") ? true : null;
        });
  }

  private List<String> terminalEvents(String deploymentId) {
    List<String> types = new ArrayList<>();
    sql.rows(
            "SELECT type FROM outbox WHERE event->>'subject' = $1 AND type IN ('deploy.succeeded', "
                + "'deploy.cancelled', 'deploy.failed') ORDER BY instance_seq",
            deploymentId)
        .forEach(r -> types.add(r.getString("type")));
    return types;
  }
}
