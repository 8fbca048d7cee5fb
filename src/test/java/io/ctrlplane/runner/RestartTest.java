package io.ctrlplane.runner;

import static io.ctrlplane.testing.Rollouts.finishedAt;
import static io.ctrlplane.testing.Rollouts.startedAt;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.FleetHistory;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * POST /v1/instances/{id}/restart on the simulator: every replica of the live release replaced, new
 * before old, serving capacity never below the replica count, no new release; refusals write
 * nothing.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(config = "runner.poll_ms=50")
@DisplayName("Rolling restart")
class RestartTest {
  private static final Duration END = Duration.ofSeconds(60);
  private ApiClient api;
  private Rollouts rollouts;
  private Sql sql;

  @BeforeAll
  void start(ApiClient client, Sql sql) {
    api = client.checked();
    rollouts = new Rollouts(api);
    this.sql = sql;
  }

  private Set<String> replicaIds(String instanceId) {
    return rollouts.fleet(instanceId).getJsonArray("replicas").stream()
        .map(o -> ((JsonObject) o).getString("id"))
        .collect(Collectors.toSet());
  }

  @Test
  @DisplayName(
      "a restart replaces every replica one at a time: ready capacity never below replicas, same release, audited and evented")
  void restartReplacesEveryReplica() {
    String id = rollouts.liveInstance(3, "acme/app:1");
    JsonObject before = rollouts.instanceJson(id);
    Set<String> old = replicaIds(id);
    assertThat(old).hasSize(3);
    ApiClient.Response r = api.post("/v1/instances/" + id + "/restart", new JsonObject());
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    assertThat(r.json().getString("kind")).isEqualTo("restart");
    String dep = r.json().getString("id");
    assertThat(r.location()).isEqualTo("/v1/deployments/" + dep);
    JsonObject done = rollouts.awaitState(dep, "succeeded", END);

    JsonObject fleet = rollouts.fleet(id);
    List<JsonObject> replicas =
        fleet.getJsonArray("replicas").stream().map(JsonObject.class::cast).toList();
    assertThat(replicas).hasSize(3);
    assertThat(replicas)
        .allSatisfy(
            rep -> {
              assertThat(old).doesNotContain(rep.getString("id"));
              assertThat(rep.getJsonObject("started_by").getString("deployment_id")).isEqualTo(dep);
              assertThat(rep.getString("status")).isEqualTo("ready");
              assertThat(rep.getString("image")).isEqualTo("acme/app:1");
            });
    FleetHistory history = rollouts.history(id);
    Instant from = startedAt(done);
    Instant to = finishedAt(done);
    assertThat(history.minServing(from, to)).isEqualTo(3);
    assertThat(history.maxRunning(from, to)).isLessThanOrEqualTo(4);
    // the plan replaced them one at a time
    assertThat(
            done.getJsonArray("plan").stream()
                .map(o -> ((JsonObject) o).getString("type"))
                .toList())
        .containsExactly("set_traffic", "renew", "retire", "renew", "retire", "renew", "retire");
    JsonObject after = rollouts.instanceJson(id);
    assertThat(after.getJsonObject("current_release"))
        .isEqualTo(before.getJsonObject("current_release"));
    assertThat(sql.count("SELECT count(*) FROM releases WHERE instance_id = $1", id)).isEqualTo(1);
    assertThat(
            sql.count(
                "SELECT count(*) FROM audit_log WHERE action = 'instance.restart' AND resource_id = $1 "
                    + "AND outcome = 'succeeded'",
                dep))
        .isEqualTo(1);
    assertThat(
            sql.count(
                "SELECT count(*) FROM outbox WHERE instance_id = $1 AND event->'data'->>'kind' = 'restart' "
                    + "AND type IN ('deploy.queued', 'deploy.succeeded')",
                id))
        .isEqualTo(2);
  }

  @Test
  @DisplayName("a restart queued behind a deploy renews the release live when it starts")
  void restartFollowsTheLiveRelease() {
    String id = rollouts.liveInstance(2, "acme/app:1");
    String deploy = rollouts.deploy(id, "acme/app:2", "rolling", null);
    ApiClient.Response r = api.post("/v1/instances/" + id + "/restart", new JsonObject());
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    JsonObject v2 = rollouts.awaitState(deploy, "succeeded", END);
    rollouts.awaitState(r.json().getString("id"), "succeeded", END);
    JsonObject instance = rollouts.instanceJson(id);
    assertThat(instance.getJsonObject("current_release").getInteger("version")).isEqualTo(2);
    List<JsonObject> replicas =
        rollouts.fleet(id).getJsonArray("replicas").stream().map(JsonObject.class::cast).toList();
    assertThat(replicas).hasSize(2);
    assertThat(replicas)
        .allSatisfy(
            rep -> {
              assertThat(rep.getString("image")).isEqualTo("acme/app:2");
              assertThat(rep.getJsonObject("started_by").getString("deployment_id"))
                  .isEqualTo(r.json().getString("id"));
            });
    assertThat(Rollouts.releaseId(v2))
        .isEqualTo(instance.getJsonObject("current_release").getString("id"));
  }

  @Test
  @DisplayName("restart refusals: no live release → 409, unknown instance → 404, nothing written")
  void refusals() {
    String id = rollouts.instance(2);
    long deployments = sql.count("SELECT count(*) FROM deployments");
    ApiClient.Response none = api.post("/v1/instances/" + id + "/restart", new JsonObject());
    assertThat(none.status()).as(none.text()).isEqualTo(409);
    assertThat(none.contentType()).startsWith("application/problem+json");
    ApiClient.Response missing =
        api.post("/v1/instances/ins_doesnotexist/restart", new JsonObject());
    assertThat(missing.status()).as(missing.text()).isEqualTo(404);
    assertThat(sql.count("SELECT count(*) FROM deployments")).isEqualTo(deployments);
  }
}
