package io.ctrlplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.deploy.DeploymentState;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** Drives instances and deployments through the HTTP API, blocking, for scenario tests. */
public final class Deploys {
  private final ApiClient api;

  public Deploys(ApiClient api) {
    this.api = api;
  }

  /**
   * An instance on the simulator; {@code readyDelayMs} is how long a rollout takes to become
   * healthy.
   */
  public String instance(String name, long readyDelayMs) {
    return instance(
        name, new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", readyDelayMs));
  }

  public String instance(String name, JsonObject providerConfig) {
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", name)
                .put("replicas", 2)
                .put("provider_config", providerConfig));
    assertThat(r.status()).as("create instance %s: %s", name, r.text()).isEqualTo(201);
    return r.json().getString("id");
  }

  public String deploy(String instanceId, String image, JsonObject env) {
    JsonObject body = new JsonObject().put("image", image);
    if (env != null) {
      body.put("env", env);
    }
    ApiClient.Response r = api.post("/v1/instances/" + instanceId + "/deployments", body);
    assertThat(r.status()).as("deploy %s: %s", image, r.text()).isEqualTo(202);
    return r.json().getString("id");
  }

  public String rollback(String instanceId, int version) {
    ApiClient.Response r =
        api.post(
            "/v1/instances/" + instanceId + "/rollback", new JsonObject().put("version", version));
    assertThat(r.status()).as("rollback: %s", r.text()).isEqualTo(202);
    return r.json().getString("id");
  }

  public void cancel(String deploymentId) {
    ApiClient.Response r =
        api.post("/v1/deployments/" + deploymentId + "/cancel", new JsonObject());
    assertThat(r.status()).as("cancel: %s", r.text()).isEqualTo(202);
  }

  public JsonObject awaitState(String deploymentId, String state) {
    return Await.until(
        Duration.ofSeconds(30),
        deploymentId + " " + state,
        () -> {
          JsonObject d = api.get("/v1/deployments/" + deploymentId).json();
          String now = d == null ? null : d.getString("state");
          // a terminal state is final, except that a succeeded deployment may still be rolled back
          if (Rollouts.TERMINAL.contains(now)
              && !state.equals(now)
              && !DeploymentState.fromWire(now).canTransitionTo(DeploymentState.fromWire(state))) {
            throw new Await.Hopeless(
                deploymentId + " ended " + now + " (error: " + d.getString("error") + ")");
          }
          return state.equals(now) ? d : null;
        });
  }
}
