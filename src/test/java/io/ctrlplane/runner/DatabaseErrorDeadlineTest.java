package io.ctrlplane.runner;

import static io.ctrlplane.testing.Rollouts.releaseId;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A database error that does not go away: the simulator's replica table is renamed under the
 * runner, so every read of the fleet fails with {@code relation "sim_replicas" does not exist}
 * (SQLSTATE 42P01) while the deployments table still answers. Before issue 21 the runner retried
 * such a move every 500 ms without end.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("A deployment whose moves keep failing on a database error fails at its deadline")
class DatabaseErrorDeadlineTest {
  private static final int DEADLINE_S = 2;
  private Rollouts rollouts;
  private Pool pool;

  @BeforeAll
  void start(ApiClient api, Sql sql) {
    rollouts = new Rollouts(api);
    pool = sql.pool();
  }

  @Test
  @DisplayName(
      "failed within its progress deadline (reverting: degraded, also at the deadline), naming the"
          + " error; everything works again once the table is back")
  void failsAtDeadline() {
    String instanceId = rollouts.liveInstance(2, "acme/app:1");
    Instant broken = Instant.now();
    Await.result(pool.query("ALTER TABLE sim_replicas RENAME TO sim_replicas_gone").execute());
    JsonObject failed;
    try {
      String id =
          rollouts.deploy(
              instanceId,
              "acme/app:2",
              "rolling",
              new JsonObject().put("progress_deadline_seconds", DEADLINE_S));
      failed = rollouts.awaitState(id, "failed", Duration.ofSeconds(30));
    } finally {
      Await.result(pool.query("ALTER TABLE sim_replicas_gone RENAME TO sim_replicas").execute());
    }

    assertThat(failed.getString("error"))
        .contains("did not complete within progress_deadline_seconds (2 s): every attempt failed")
        .contains("sim_replicas")
        .contains("revert failed: revert step 1");
    // the rollout's deadline, then the revert's: each at its deadline, not retried forever
    assertThat(Duration.between(broken, Rollouts.finishedAt(failed)))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2L * DEADLINE_S))
        .isLessThan(Duration.ofSeconds(2L * DEADLINE_S + 8));
    assertThat(rollouts.instanceJson(instanceId).getJsonObject("health").getString("status"))
        .isEqualTo("degraded");

    JsonObject fixed =
        rollouts.awaitState(
            rollouts.deploy(instanceId, "acme/app:3", "rolling", null),
            "succeeded",
            Duration.ofSeconds(30));
    assertThat(rollouts.instanceJson(instanceId).getJsonObject("health").getString("status"))
        .isEqualTo("healthy");
    assertThat(rollouts.replicasByRelease(instanceId).getMap())
        .isEqualTo(Map.of(releaseId(fixed), 2));
  }
}
