package io.ctrlplane.runner;

import static io.ctrlplane.testing.Rollouts.previousReleaseId;
import static io.ctrlplane.testing.Rollouts.releaseId;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.security.Scope;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Keys;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Four-eyes approvals (issue 18): a canary approval step and blue-green's require_approval wait,
 * paused and blocked on approval, for a second key with the approve scope; the initiator cannot
 * approve; a rejection or the timeout fails and reverts.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Approval gates")
class ApprovalGateTest {
  private static final Duration END = Duration.ofSeconds(30);

  private ApiClient admin;
  private ApiClient initiator;
  private ApiClient approver;
  private ApiClient deployOnly;
  private Rollouts rollouts;
  private Rollouts asInitiator;
  private Sql sql;

  @BeforeAll
  void start(ApiClient api, Sql sql) {
    this.sql = sql;
    admin = api.checked();
    // the initiator holds approve too: what stops it is four eyes, not its scopes
    initiator =
        admin
            .as(Keys.viaApi(admin, "ci", Scope.READ, Scope.DEPLOY, Scope.APPROVE).getString("key"))
            .checked();
    approver =
        admin.as(Keys.viaApi(admin, "release-manager", Scope.READ, Scope.APPROVE).getString("key"));
    deployOnly =
        admin.as(Keys.viaApi(admin, "deployer", Scope.READ, Scope.DEPLOY).getString("key"));
    rollouts = new Rollouts(admin);
    asInitiator = new Rollouts(initiator);
  }

  private static JsonObject canary(int timeoutSeconds) {
    return new JsonObject()
        .put(
            "steps",
            new JsonArray()
                .add(new JsonObject().put("set_weight", 50))
                .add(
                    new JsonObject()
                        .put("approval", new JsonObject().put("timeout_seconds", timeoutSeconds))));
  }

  private JsonObject awaitGate(String deploymentId) {
    return Await.until(
        Duration.ofSeconds(20),
        deploymentId + " paused at its approval gate",
        () -> {
          JsonObject d = rollouts.deployment(deploymentId);
          assertThat(d.getString("state")).as(d.getString("error")).isEqualTo("running");
          JsonObject p = d.getJsonObject("progress");
          return "paused".equals(p.getString("phase"))
                  && "approval".equals(p.getString("blocked_on"))
              ? d
              : null;
        });
  }

  private long events(String deploymentId, String type) {
    return sql.count(
        "SELECT count(*) FROM outbox WHERE type = $1 AND event->>'subject' = $2",
        type,
        deploymentId);
  }

  private Map<String, Object> weights(String instanceId) {
    return rollouts.fleet(instanceId).getJsonObject("traffic").getJsonObject("weights").getMap();
  }

  @Test
  @DisplayName(
      "a canary approval step waits for a second key: the initiator is refused (403), another approves")
  void canaryApproved() {
    String instance = rollouts.liveInstance(2, "acme/app:1");
    String id = asInitiator.deploy(instance, "acme/app:2", "canary", canary(600));
    JsonObject waiting = awaitGate(id);
    assertThat(waiting.getJsonObject("progress").getString("message")).contains("/approve");
    assertThat(events(id, "deploy.approval_requested")).isEqualTo(1);

    ApiClient.Response noScope = deployOnly.post("/v1/deployments/" + id + "/approve", null);
    assertThat(noScope.status()).as(noScope.text()).isEqualTo(403);
    assertThat(noScope.json().getString("detail")).contains("'approve'");

    ApiClient.Response own = initiator.post("/v1/deployments/" + id + "/approve", null);
    assertThat(own.status()).as(own.text()).isEqualTo(403);
    assertThat(own.contentType()).isEqualTo("application/problem+json");
    assertThat(own.json().getString("detail")).contains("initiated");
    ApiClient.Response fullPromote =
        admin.post("/v1/deployments/" + id + "/promote", new JsonObject().put("full", true));
    assertThat(fullPromote.status()).as(fullPromote.text()).isEqualTo(409);
    assertThat(rollouts.deployment(id).getString("state")).isEqualTo("running");

    ApiClient.Response ok =
        approver.post(
            "/v1/deployments/" + id + "/approve", new JsonObject().put("reason", "looks good"));
    assertThat(ok.status()).as(ok.text()).isEqualTo(202);
    JsonObject done = rollouts.awaitState(id, "succeeded", END);
    assertThat(events(id, "deploy.approved")).isEqualTo(1);
    assertThat(weights(instance)).isEqualTo(Map.of(releaseId(done), 100));
    assertThat(
            sql.count(
                "SELECT count(*) FROM audit_log WHERE action = 'deployment.approve' "
                    + "AND resource_id = $1 AND outcome = 'succeeded' AND actor_key_name = 'release-manager'",
                id))
        .isEqualTo(1);
    ApiClient.Response late = approver.post("/v1/deployments/" + id + "/approve", null);
    assertThat(late.status()).as(late.text()).isEqualTo(409);
  }

  @Test
  @DisplayName("a rejection fails the canary and reverts traffic and replicas to the old release")
  void canaryRejected() {
    String instance = rollouts.liveInstance(2, "acme/app:1");
    String id = asInitiator.deploy(instance, "acme/app:2", "canary", canary(600));
    awaitGate(id);
    ApiClient.Response no =
        approver.post(
            "/v1/deployments/" + id + "/reject", new JsonObject().put("reason", "not now"));
    assertThat(no.status()).as(no.text()).isEqualTo(202);
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error"))
        .contains("rejected by release-manager")
        .contains("not now");
    assertThat(events(id, "deploy.rejected")).isEqualTo(1);
    String v1 = previousReleaseId(failed);
    assertThat(weights(instance)).isEqualTo(Map.of(v1, 100));
    assertThat(rollouts.replicasByRelease(instance).getMap()).isEqualTo(Map.of(v1, 2));
    assertThat(rollouts.instanceJson(instance).getJsonObject("current_release").getString("id"))
        .isEqualTo(v1);
  }

  @Test
  @DisplayName("without a decision the gate times out: the deployment fails and reverts")
  void timeout() {
    String instance = rollouts.liveInstance(2, "acme/app:1");
    String id = asInitiator.deploy(instance, "acme/app:2", "canary", canary(2));
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error")).contains("approval timeout");
    assertThat(events(id, "deploy.approval_requested")).isEqualTo(1);
    assertThat(weights(instance)).isEqualTo(Map.of(previousReleaseId(failed), 100));
  }

  @Test
  @DisplayName("blue-green with require_approval keeps all traffic on old until approved")
  void blueGreen() {
    String instance = rollouts.liveInstance(2, "acme/app:1");
    String id =
        asInitiator.deploy(
            instance,
            "acme/app:2",
            "blue-green",
            new JsonObject().put("require_approval", true).put("scale_down_delay_seconds", 0));
    JsonObject waiting = awaitGate(id);
    String v1 = previousReleaseId(waiting);
    assertThat(weights(instance)).isEqualTo(Map.of(v1, 100));
    assertThat(waiting.getJsonObject("progress").getJsonObject("ready").getInteger("new"))
        .isEqualTo(2);
    ApiClient.Response ok = approver.post("/v1/deployments/" + id + "/approve", null);
    assertThat(ok.status()).as(ok.text()).isEqualTo(202);
    JsonObject done = rollouts.awaitState(id, "succeeded", END);
    assertThat(weights(instance)).isEqualTo(Map.of(releaseId(done), 100));
    assertThat(List.of(events(id, "deploy.approval_requested"), events(id, "deploy.approved")))
        .containsExactly(1L, 1L);
  }
}
