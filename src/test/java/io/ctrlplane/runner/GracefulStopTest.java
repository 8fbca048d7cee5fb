package io.ctrlplane.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.ChildProcess;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.RunnerProcess;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM is a graceful stop (Main's shutdown hook): a runner and relay process hands its leases
 * back at once, flushes what it committed to Kafka, and exits with nothing left running. The lease
 * is 30 s here, so a deployment resumed sooner was handed back, not left to expire.
 */
@CtrlPlaneServer(
    roles = "api") // this JVM serves the API only: the rollout and the relay run in the child
@DisplayName("A runner and relay process stopped with SIGTERM mid-rollout")
class GracefulStopTest {
  private static final Duration END = Duration.ofSeconds(60);
  private static final JsonObject SLOW =
      new JsonObject().put("start_delay_ms", 500).put("ready_delay_ms", 700);

  @Test
  @DisplayName(
      "hands its lease back, leaves no unpublished event, exits by itself with no process left, "
          + "and another runner resumes the deployment without waiting for the lease")
  void sigterm(AppConfig config, ApiClient api, Sql sql) throws Exception {
    Pool pool = sql.pool();
    {
      Rollouts rollouts = new Rollouts(api);
      ChildProcess first =
          ChildProcess.serve(
              "graceful-runner",
              "runner,relay",
              config,
              Map.of(
                  "CTRLPLANE_RUNNER_LEASE_SECONDS", "30",
                  "CTRLPLANE_RUNNER_INSTANCES", "1",
                  "CTRLPLANE_RUNNER_POLL_MS", "250",
                  "CTRLPLANE_ENCRYPTION_KEY", TestStack.ENCRYPTION_KEY));
      try (first) {
        String instanceId = rollouts.instance(4, SLOW);
        rollouts.awaitState(
            rollouts.deploy(instanceId, "acme/app:1", "rolling", null), "succeeded", END);
        String id =
            rollouts.deploy(
                instanceId, "acme/app:2", "rolling", new JsonObject().put("max_surge", 1));
        Await.until(
            END,
            "the rollout under way in the child",
            () -> {
              Row r = lease(pool, id);
              return r.getString("lease_owner") != null && r.getInteger("checkpoint") >= 2
                  ? true
                  : null;
            });
        List<ProcessHandle> descendants =
            ProcessHandle.of(first.pid()).orElseThrow().descendants().toList();

        long before = System.nanoTime();
        first.terminate(Duration.ofSeconds(30));
        Duration took = Duration.ofNanos(System.nanoTime() - before);
        assertThat(first.isAlive()).isFalse();
        assertThat(took)
            .as("exited by itself, not by the SIGKILL after 30 s")
            .isLessThan(Duration.ofSeconds(25));
        assertThat(first.exitValue()).as("exit status of a JVM stopped by SIGTERM").isIn(0, 143);
        assertThat(descendants).as("no process of it left").noneMatch(ProcessHandle::isAlive);

        Row handedBack = lease(pool, id);
        assertThat(handedBack.getString("state")).isEqualTo("running");
        assertThat(handedBack.getString("lease_owner")).as("lease handed back").isNull();
        assertThat(handedBack.getBoolean("expired")).as("and expired at once").isTrue();
        assertThat(sql.count("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
            .as("every event it committed was flushed to Kafka before it exited")
            .isZero();
        assertThat(sql.count("SELECT count(*) FROM outbox WHERE event->>'subject' = $1", id))
            .as("it had written events for the deployment")
            .isGreaterThan(2);

        long resumeStart = System.nanoTime();
        try (RunnerProcess second =
            RunnerProcess.start(
                "graceful-second", config, 30, Path.of("target", "runner-processes", "graceful"))) {
          rollouts.awaitState(id, "succeeded", END);
          assertThat(second.log()).contains(id).contains("resumed");
          assertThat(Duration.ofNanos(System.nanoTime() - resumeStart))
              .as("resumed without waiting out the 30 s lease")
              .isLessThan(Duration.ofSeconds(30));
        }
      }
    }
  }

  private static Row lease(Pool pool, String id) {
    return Await.result(
            pool.preparedQuery(
                    "SELECT state, lease_owner, checkpoint, lease_expires_at <= now() AS expired "
                        + "FROM deployments WHERE id = $1")
                .execute(Tuple.of(id)))
        .iterator()
        .next();
  }
}
