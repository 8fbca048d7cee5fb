package io.ctrlplane.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// runner.max_active is the admission limit (deployments a runner holds alive); before issue 19 the
// same limit was runner.max_concurrent, which now bounds moves in flight (RunnerHeadOfLineTest)
@CtrlPlaneServer(config = "runner.max_active=1")
@DisplayName("runner.max_active bounds how many deployments one runner holds at once")
class RunnerSlotsTest {
  private static final Duration END = Duration.ofSeconds(30);
  private ApiClient api;
  private Rollouts rollouts;

  @BeforeAll
  void start(AppConfig config, ApiClient api) {
    assertThat(config.runner().maxActive()).isEqualTo(1);
    this.api = api;
    rollouts = new Rollouts(api);
  }

  @Test
  @DisplayName(
      "with one slot, a second instance's deployment waits while the first is paused, and runs once the slot frees")
  void oneSlot() {
    String first = rollouts.liveInstance(1, "acme/app:1");
    String second = rollouts.liveInstance(1, "acme/app:1");
    JsonArray steps =
        new JsonArray()
            .add(new JsonObject().put("set_weight", 50))
            .add(new JsonObject().put("pause", new JsonObject()));
    String paused =
        rollouts.deploy(first, "acme/app:2", "canary", new JsonObject().put("steps", steps));
    Await.until(
        END,
        "the first deployment at its pause",
        () -> {
          JsonObject progress = rollouts.deployment(paused).getJsonObject("progress");
          return progress != null && "pause".equals(progress.getString("blocked_on")) ? true : null;
        });

    String waiting = rollouts.deploy(second, "acme/app:2", "rolling", null);
    // NOTIFY wakes the runner at once; over 2 s it also polls 4 times (poll_ms 500): it must not
    // claim it
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(rollouts.deployment(waiting).getString("state"))
          .as("no free slot: still pending")
          .isEqualTo("pending");
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
    assertThat(rollouts.deployment(paused).getString("state")).isEqualTo("running");

    assertThat(
            api.post("/v1/deployments/" + paused + "/promote", new JsonObject().put("full", true))
                .status())
        .isEqualTo(202);
    JsonObject firstDone = rollouts.awaitState(paused, "succeeded", END);
    JsonObject secondDone = rollouts.awaitState(waiting, "succeeded", END);
    assertThat(Rollouts.startedAt(secondDone))
        .as("the second started only once the slot was free")
        .isAfterOrEqualTo(Rollouts.finishedAt(firstDone));
  }
}
