package io.ctrlplane.runner;

import static io.ctrlplane.testing.Rollouts.previousReleaseId;
import static io.ctrlplane.testing.Rollouts.releaseId;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.WebhookReceiver;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Blocking hooks (issue 18) against a local receiver: at pre_rollout, pre_promotion and
 * post_rollout a signed POST that passes on 2xx, and fails and reverts the deployment on an error
 * status or no answer, after its retries; each attempt recorded, the wait shown in progress.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Blocking hooks")
class BlockingHooksTest {
  private static final Duration END = Duration.ofSeconds(40);
  private static final String SECRET = "hook-secret-0123456789";
  private static final AtomicInteger PATHS = new AtomicInteger();
  private static final JsonObject CANARY =
      new JsonObject()
          .put(
              "steps",
              new JsonArray()
                  .add(new JsonObject().put("set_weight", 50))
                  .add(new JsonObject().put("pause", new JsonObject().put("seconds", 1))));

  private ApiClient api;
  private Rollouts rollouts;
  private WebhookReceiver receiver;
  private io.ctrlplane.testing.Sql sql;

  @BeforeAll
  void start(ApiClient client, CtrlPlane plane) {
    api = client.checked();
    rollouts = new Rollouts(api);
    receiver = WebhookReceiver.start(plane.vertx());
    sql = plane.sql();
  }

  @AfterAll
  void stop() {
    receiver.close();
  }

  private static JsonObject hook(String on, String url, int timeoutMs, int retries) {
    return new JsonObject()
        .put("on", on)
        .put("url", url)
        .put("timeout_ms", timeoutMs)
        .put("retries", retries)
        .put("secret", SECRET);
  }

  /** A live instance (v1, no hooks yet), then the hooks patched in. */
  private String instanceWith(JsonObject... hooks) {
    String instance = rollouts.liveInstance(2, "acme/app:1");
    ApiClient.Response r =
        api.send(
            HttpMethod.PATCH,
            "/v1/instances/" + instance,
            new JsonObject().put("hooks", new JsonArray(List.of((Object[]) hooks))).encode(),
            Map.of("Content-Type", "application/merge-patch+json"));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getJsonArray("hooks")).hasSize(hooks.length);
    assertThat(r.json().getJsonArray("hooks").getJsonObject(0).getString("secret"))
        .isEqualTo("********");
    return instance;
  }

  private String path(String name) {
    return "/" + name + "-" + PATHS.incrementAndGet();
  }

  private Map<String, Object> weights(String instance) {
    return rollouts.fleet(instance).getJsonObject("traffic").getJsonObject("weights").getMap();
  }

  private void assertReverted(String instance, JsonObject failed) {
    String v1 = previousReleaseId(failed);
    assertThat(weights(instance)).isEqualTo(Map.of(v1, 100));
    assertThat(rollouts.replicasByRelease(instance).getMap()).isEqualTo(Map.of(v1, 2));
    assertThat(rollouts.instanceJson(instance).getJsonObject("current_release").getString("id"))
        .isEqualTo(v1);
  }

  @Test
  @DisplayName("hooks at every point that answer 2xx pass, in order, signed, with the deployment")
  void allPass() {
    String pre = path("pre");
    String promotion = path("promotion");
    String post = path("post");
    String instance =
        instanceWith(
            hook("pre_rollout", receiver.url(pre), 2000, 0),
            hook("pre_promotion", receiver.url(promotion), 2000, 0),
            hook("post_rollout", receiver.url(post), 2000, 0));
    String id = rollouts.deploy(instance, "acme/app:2", "canary", CANARY);
    JsonObject done = rollouts.awaitState(id, "succeeded", END);
    for (String p : List.of(pre, promotion, post)) {
      List<WebhookReceiver.Request> got = receiver.requests(p);
      assertThat(got).as(p).hasSize(1);
      assertThat(got.get(0).signedWith(SECRET)).isTrue();
      JsonObject body = new JsonObject(got.get(0).text());
      assertThat(body.getJsonObject("deployment").getString("id")).isEqualTo(id);
      assertThat(body.getJsonObject("deployment").getJsonObject("release").getString("id"))
          .isEqualTo(releaseId(done));
    }
    assertThat(
            sql
                .rows(
                    "SELECT point FROM hook_calls WHERE deployment_id = $1 AND outcome = 'passed' "
                        + "ORDER BY at",
                    id)
                .stream()
                .map(r -> r.getString("point"))
                .toList())
        .containsExactly("pre_rollout", "pre_promotion", "post_rollout");
    assertThat(weights(instance)).isEqualTo(Map.of(releaseId(done), 100));
  }

  @Test
  @DisplayName(
      "a pre_rollout hook that answers 500 (after its retry) fails it before anything moves")
  void preRolloutFails() {
    String pre = path("pre");
    receiver.script(pre, n -> 500);
    String instance = instanceWith(hook("pre_rollout", receiver.url(pre), 2000, 1));
    String id = rollouts.deploy(instance, "acme/app:2", "canary", CANARY);
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error"))
        .contains("pre_rollout hook")
        .contains("2 attempt(s)")
        .contains("HTTP 500");
    assertThat(receiver.requests(pre)).hasSize(2);
    assertThat(sql.count("SELECT count(*) FROM hook_calls WHERE deployment_id = $1", id))
        .isEqualTo(2);
    assertThat(rollouts.history(instance).entries("replica.created"))
        .noneSatisfy(
            e ->
                assertThat(e.getJsonObject("release").getString("id"))
                    .isEqualTo(releaseId(failed)));
    assertReverted(instance, failed);
  }

  @Test
  @DisplayName(
      "a pre_promotion hook that never answers times out, shown as blocked_on hook, and reverts")
  void prePromotionTimesOut() {
    String promotion = path("promotion");
    receiver.script(promotion, n -> null);
    String instance = instanceWith(hook("pre_promotion", receiver.url(promotion), 1500, 0));
    String id = rollouts.deploy(instance, "acme/app:2", "canary", CANARY);
    Await.until(
        Duration.ofSeconds(20),
        "progress blocked on the hook",
        () -> {
          JsonObject d = rollouts.deployment(id);
          JsonObject p = d.getJsonObject("progress");
          return "hook".equals(p.getString("blocked_on")) ? p : null;
        });
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error"))
        .contains("pre_promotion hook")
        .contains("no answer within 1500 ms");
    assertReverted(instance, failed);
  }

  @Test
  @DisplayName("a post_rollout hook that answers 409 fails the deployment and reverts it")
  void postRolloutFails() {
    String post = path("post");
    receiver.script(post, n -> 409);
    String instance = instanceWith(hook("post_rollout", receiver.url(post), 2000, 0));
    String id = rollouts.deploy(instance, "acme/app:2", "blue-green", new JsonObject());
    JsonObject failed = rollouts.awaitState(id, "failed", END);
    assertThat(failed.getString("error")).contains("post_rollout hook").contains("HTTP 409");
    assertReverted(instance, failed);
  }

  @Test
  @DisplayName("bad hooks are refused at instance creation and patch, naming each field")
  void invalid() {
    ApiClient.Response r =
        api.raw()
            .post(
                "/v1/instances",
                new JsonObject()
                    .put("name", "hooks-bad")
                    .put(
                        "hooks",
                        new JsonArray()
                            .add(new JsonObject().put("on", "pre_lunch").put("url", "http://h/"))));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text()).contains("hooks[0].on");
    r =
        api.raw()
            .post(
                "/v1/instances",
                new JsonObject()
                    .put("name", "hooks-bad")
                    .put(
                        "hooks",
                        new JsonArray()
                            .add(
                                new JsonObject().put("on", "post_rollout").put("url", "ftp://x"))));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text()).contains("hooks[0].url");
    String instance = rollouts.instance(1);
    r =
        api.raw()
            .send(
                HttpMethod.PATCH,
                "/v1/instances/" + instance,
                new JsonObject()
                    .put(
                        "hooks",
                        new JsonArray()
                            .add(hook("pre_rollout", "http://127.0.0.1:9/x", 1000, 0))
                            .add(
                                new JsonObject()
                                    .put("on", "post_rollout")
                                    .put("url", "http://127.0.0.1:9/y")
                                    .put("timeout_ms", 5)))
                    .encode(),
                Map.of("Content-Type", "application/merge-patch+json"));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text()).contains("hooks[1].timeout_ms");
    assertThat(rollouts.instanceJson(instance).getJsonArray("hooks")).isEmpty();
  }
}
