package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Rollbacks make new releases of old ones; cancel stops what has not finished")
class RollbackAndCancelTest {
  private static final Duration END = Duration.ofSeconds(30);
  private static final JsonObject FAST =
      new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 50);

  /**
   * Replicas take 2 s to become ready, so a deployment is reliably still running when the test
   * steps in.
   */
  private static final JsonObject SLOW =
      new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 2000);

  private ApiClient api;
  private Rollouts rollouts;
  private Sql sql;

  @BeforeAll
  void start(ApiClient client, Sql sql) {
    api = client.checked();
    rollouts = new Rollouts(api.raw());
    this.sql = sql;
  }

  private JsonObject deployAndWait(String instanceId, String image, JsonObject env) {
    ApiClient.Response r =
        api.post(
            "/v1/instances/" + instanceId + "/deployments",
            new JsonObject().put("image", image).put("env", env));
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return rollouts.awaitState(r.json().getString("id"), "succeeded", END);
  }

  private JsonObject release(JsonObject deployment) {
    return api.get("/v1/releases/" + Rollouts.releaseId(deployment)).json();
  }

  private ApiClient.Response rollback(String instanceId, JsonObject body) {
    return api.post("/v1/instances/" + instanceId + "/rollback", body);
  }

  private ApiClient.Response cancel(String deploymentId) {
    return api.post("/v1/deployments/" + deploymentId + "/cancel", new JsonObject());
  }

  private long events(String type, String deploymentId) {
    return sql.count(
        "SELECT count(*) FROM outbox WHERE type = $1 AND event->>'subject' = $2",
        type,
        deploymentId);
  }

  @Test
  @DisplayName(
      "a rollback by version makes a new release with v1's image and env; v2's deployment becomes rolled_back")
  void rollbackByVersion() {
    String instanceId = rollouts.instance(2, FAST);
    JsonObject v1 = deployAndWait(instanceId, "acme/app:1", new JsonObject().put("MODE", "one"));
    JsonObject v2 = deployAndWait(instanceId, "acme/app:2", new JsonObject().put("MODE", "two"));
    JsonObject v1Before = release(v1);

    ApiClient.Response accepted = rollback(instanceId, new JsonObject().put("version", 1));
    assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
    assertThat(accepted.location()).isEqualTo("/v1/deployments/" + accepted.json().getString("id"));
    assertThat(accepted.json().getString("kind")).isEqualTo("rollback");
    assertThat(accepted.json().getString("replaces_deployment_id")).isEqualTo(v2.getString("id"));
    JsonObject done = rollouts.awaitState(accepted.json().getString("id"), "succeeded", END);

    JsonObject v3 = release(done);
    assertThat(v3.getInteger("version")).isEqualTo(3);
    assertThat(v3.getString("image")).isEqualTo("acme/app:1");
    assertThat(v3.getJsonObject("env").getMap()).isEqualTo(Map.of("MODE", "one"));
    assertThat(v3.getJsonObject("rollback_of"))
        .isEqualTo(new JsonObject().put("id", v1Before.getString("id")).put("version", 1));
    assertThat(release(v1)).as("the old release is never modified").isEqualTo(v1Before);
    assertThat(
            rollouts
                .instanceJson(instanceId)
                .getJsonObject("current_release")
                .getInteger("version"))
        .isEqualTo(3);
    assertThat(rollouts.deployment(v2.getString("id")).getString("state")).isEqualTo("rolled_back");
    assertThat(events("deploy.rolled_back", v2.getString("id"))).isEqualTo(1);
    assertThat(events("deploy.succeeded", done.getString("id"))).isEqualTo(1);
  }

  @Test
  @DisplayName("a rollback by release_id works the same, and replaces the rollback that was live")
  void rollbackByReleaseId() {
    String instanceId = rollouts.instance(1, FAST);
    deployAndWait(instanceId, "acme/app:1", null);
    JsonObject v2 = deployAndWait(instanceId, "acme/app:2", null);
    String first =
        api.post("/v1/instances/" + instanceId + "/rollback", new JsonObject().put("version", 1))
            .json()
            .getString("id");
    rollouts.awaitState(first, "succeeded", END);

    ApiClient.Response back =
        rollback(
            instanceId,
            new JsonObject().put("release_id", Rollouts.releaseId(v2)).put("strategy", "recreate"));
    assertThat(back.status()).as(back.text()).isEqualTo(202);
    assertThat(back.json().getString("strategy")).isEqualTo("recreate");
    JsonObject done = rollouts.awaitState(back.json().getString("id"), "succeeded", END);
    JsonObject v4 = release(done);
    assertThat(v4.getInteger("version")).isEqualTo(4);
    assertThat(v4.getString("image")).isEqualTo("acme/app:2");
    assertThat(v4.getJsonObject("rollback_of").getString("id")).isEqualTo(Rollouts.releaseId(v2));
    assertThat(rollouts.deployment(first).getString("state")).isEqualTo("rolled_back");
    assertThat(events("deploy.rolled_back", first)).isEqualTo(1);
  }

  @Test
  @DisplayName(
      "a rollback to another instance's release or to a missing version is a 404; to the live release a 409")
  void rollbackRefusals() {
    String mine = rollouts.instance(1, FAST);
    String other = rollouts.instance(1, FAST);
    JsonObject v1 = deployAndWait(mine, "acme/app:1", null);
    JsonObject theirs = deployAndWait(other, "acme/app:9", null);
    long releases = sql.count("SELECT count(*) FROM releases");

    ApiClient.Response foreign =
        rollback(mine, new JsonObject().put("release_id", Rollouts.releaseId(theirs)));
    assertThat(foreign.status()).isEqualTo(404);
    assertThat(foreign.json().getString("detail"))
        .contains(Rollouts.releaseId(theirs))
        .contains(mine);
    assertThat(rollback(mine, new JsonObject().put("version", 7)).status()).isEqualTo(404);
    ApiClient.Response live =
        rollback(mine, new JsonObject().put("release_id", Rollouts.releaseId(v1)));
    assertThat(live.status()).isEqualTo(409);
    assertThat(live.json().getString("detail")).contains("already the current release");
    assertThat(sql.count("SELECT count(*) FROM releases"))
        .as("no release was written")
        .isEqualTo(releases);
  }

  @Test
  @DisplayName("releases are append-only: the database itself refuses to change or delete one")
  void releasesAreAppendOnly() {
    String instanceId = rollouts.instance(1, FAST);
    JsonObject v1 = release(deployAndWait(instanceId, "acme/app:1", null));
    assertThatThrownBy(
            () ->
                sql.update(
                    "UPDATE releases SET image = 'evil/app:1' WHERE id = $1", v1.getString("id")))
        .isInstanceOf(PgException.class)
        .hasMessageContaining("releases are immutable");
    assertThatThrownBy(() -> sql.update("DELETE FROM releases WHERE id = $1", v1.getString("id")))
        .isInstanceOf(PgException.class)
        .hasMessageContaining("releases are immutable");
    assertThat(api.get("/v1/releases/" + v1.getString("id")).json()).isEqualTo(v1);
  }

  @Test
  @DisplayName(
      "cancelling a pending deployment cancels it at once, and the queue moves on without it")
  void cancelPending() {
    String instanceId = rollouts.instance(1, SLOW);
    String running = rollouts.deploy(instanceId, "acme/app:1", "recreate", null);
    String queued = rollouts.deploy(instanceId, "acme/app:2", "recreate", null);
    String after = rollouts.deploy(instanceId, "acme/app:3", "recreate", null);

    ApiClient.Response r = cancel(queued);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    assertThat(r.location()).isEqualTo("/v1/deployments/" + queued);
    assertThat(r.json().getString("state")).isEqualTo("cancelled");
    assertThat(r.json().getString("finished_at")).isNotNull();
    assertThat(r.json().getValue("started_at")).as("it never started").isNull();
    assertThat(events("deploy.cancelled", queued)).isEqualTo(1);

    rollouts.awaitState(running, "succeeded", END);
    JsonObject last = rollouts.awaitState(after, "succeeded", END);
    assertThat(last.getJsonObject("previous_release").getInteger("version"))
        .as("v2 was skipped")
        .isEqualTo(1);
    assertThat(events("deploy.started", queued)).isZero();
  }

  @Test
  @DisplayName(
      "cancelling a running deployment requests it; the runner reverts and ends it cancelled")
  void cancelRunning() {
    String instanceId =
        rollouts.instance(
            1,
            FAST.copy()
                .put(
                    "faults",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("image", "*:never-ready")
                                .put("never_ready", true))));
    deployAndWait(instanceId, "acme/app:1", null);
    String id = rollouts.deploy(instanceId, "acme/app:never-ready", "rolling", null);
    Await.until(
        END,
        "deployment running",
        () -> "running".equals(rollouts.deployment(id).getString("state")) ? 1 : null);

    ApiClient.Response r = cancel(id);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    assertThat(r.json().getString("state")).isEqualTo("running");
    assertThat(r.json().getBoolean("cancel_requested")).isTrue();
    ApiClient.Response again = cancel(id);
    assertThat(again.status())
        .as("a second cancel while it reverts is accepted too")
        .isEqualTo(202);
    JsonObject cancelled = rollouts.awaitState(id, "cancelled", END);
    assertThat(cancelled.getString("error")).isEqualTo("cancelled on request");
    assertThat(
            rollouts
                .instanceJson(instanceId)
                .getJsonObject("current_release")
                .getInteger("version"))
        .isEqualTo(1);
    assertThat(events("deploy.cancelled", id)).isEqualTo(1);
  }

  @Test
  @DisplayName("cancelling a deployment that already ended is a 409 that says why")
  void cancelTerminal() {
    String instanceId = rollouts.instance(1, FAST);
    JsonObject done = deployAndWait(instanceId, "acme/app:1", null);
    ApiClient.Response late = cancel(done.getString("id"));
    assertThat(late.status()).isEqualTo(409);
    assertThat(late.json().getString("detail"))
        .contains("already succeeded")
        .contains("can no longer be cancelled");

    String slow = rollouts.instance(1, SLOW);
    rollouts.deploy(slow, "acme/app:1", "recreate", null);
    String queued = rollouts.deploy(slow, "acme/app:2", "recreate", null);
    assertThat(cancel(queued).status()).isEqualTo(202);
    ApiClient.Response twice = cancel(queued);
    assertThat(twice.status()).isEqualTo(409);
    assertThat(twice.json().getString("detail")).contains("was already cancelled");
    assertThat(rollouts.deployment(queued).getString("state")).isEqualTo("cancelled");
  }
}
