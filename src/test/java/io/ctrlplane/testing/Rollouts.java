package io.ctrlplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** Rollout scenarios through the HTTP API, blocking, so tests read top to bottom. */
public final class Rollouts {
  /** Fast simulator timings and the fault rules of the issue, with short crash times. */
  public static final JsonObject SIM =
      new JsonObject()
          .put("start_delay_ms", 30)
          .put("ready_delay_ms", 60)
          .put(
              "faults",
              new JsonArray()
                  .add(new JsonObject().put("image", "*:bad*").put("never_ready", true))
                  .add(new JsonObject().put("image", "*:nostart").put("fail_start", true))
                  .add(new JsonObject().put("image", "*:crashy").put("crash_after_seconds", 0.5))
                  .add(new JsonObject().put("image", "*:flaky").put("error_rate", 0.3)));

  public static final Set<String> TERMINAL =
      Set.of("succeeded", "failed", "cancelled", "rolled_back");
  private static final AtomicInteger NAMES = new AtomicInteger();

  private final ApiClient api;

  public Rollouts(ApiClient api) {
    this.api = api;
  }

  public ApiClient api() {
    return api;
  }

  public String instance(int replicas) {
    return instance(replicas, SIM);
  }

  public String instance(int replicas, JsonObject providerConfig) {
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "app-" + NAMES.incrementAndGet())
                .put("replicas", replicas)
                .put("provider_config", providerConfig));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json().getString("id");
  }

  public String deploy(String instanceId, String image, String strategy, JsonObject params) {
    JsonObject body = new JsonObject().put("image", image).put("strategy", strategy);
    if (params != null) {
      body.put("strategy_params", params);
    }
    ApiClient.Response r = api.post("/v1/instances/" + instanceId + "/deployments", body);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r.json().getString("id");
  }

  public JsonObject deployment(String id) {
    ApiClient.Response r = api.get("/v1/deployments/" + id);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  public JsonObject instanceJson(String id) {
    return api.get("/v1/instances/" + id).json();
  }

  /** Waits until the deployment is terminal and returns it. */
  public JsonObject awaitEnd(String id, Duration timeout) {
    return Await.until(
        timeout,
        "deployment " + id + " to end",
        () -> {
          JsonObject d = deployment(id);
          return TERMINAL.contains(d.getString("state")) ? d : null;
        });
  }

  public JsonObject awaitState(String id, String state, Duration timeout) {
    JsonObject d = awaitEnd(id, timeout);
    assertThat(d.getString("state"))
        .as("state of %s (error: %s)", id, d.getString("error"))
        .isEqualTo(state);
    return d;
  }

  /**
   * A deployment that reached {@code v1} on a fresh instance: the starting point of most scenarios.
   */
  public String liveInstance(int replicas, String image) {
    String instanceId = instance(replicas);
    awaitState(deploy(instanceId, image, "rolling", null), "succeeded", Duration.ofSeconds(30));
    return instanceId;
  }

  public JsonObject fleet(String instanceId) {
    ApiClient.Response r = api.get("/v1/instances/" + instanceId + "/fleet");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  /** The whole timeline, page by page. */
  public List<JsonObject> timeline(String instanceId) {
    List<JsonObject> all = new ArrayList<>();
    String cursor = null;
    do {
      ApiClient.Response r =
          api.get(
              "/v1/instances/"
                  + instanceId
                  + "/fleet/timeline?limit=100"
                  + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      r.json().getJsonArray("items").forEach(o -> all.add((JsonObject) o));
      cursor = r.json().getString("next_cursor");
    } while (cursor != null);
    return all;
  }

  public FleetHistory history(String instanceId) {
    return new FleetHistory(timeline(instanceId));
  }

  public static Instant startedAt(JsonObject deployment) {
    return Instant.parse(deployment.getString("started_at"));
  }

  public static Instant finishedAt(JsonObject deployment) {
    return Instant.parse(deployment.getString("finished_at"));
  }

  public static String releaseId(JsonObject deployment) {
    return deployment.getJsonObject("release").getString("id");
  }

  public static String previousReleaseId(JsonObject deployment) {
    return deployment.getJsonObject("previous_release").getString("id");
  }

  /** Replicas in the fleet now, by release id: {@code {"rel_…": n}}. */
  public JsonObject replicasByRelease(String instanceId) {
    JsonObject out = new JsonObject();
    fleet(instanceId)
        .getJsonArray("replicas")
        .forEach(
            o -> {
              String rel = ((JsonObject) o).getJsonObject("release").getString("id");
              out.put(rel, out.getInteger(rel, 0) + 1);
            });
    return out;
  }
}
