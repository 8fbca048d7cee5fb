package io.ctrlplane.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("An Idempotency-Key makes a retried command safe")
class IdempotencyTest {
  /** Deployments stay queued: nothing a runner does changes the rows counted here. */
  private static final JsonObject STUCK =
      new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 3_600_000);

  private ApiClient api;
  private Rollouts rollouts;
  private Sql sql;

  @BeforeAll
  void start(ApiClient client, Sql sql) {
    api = client.checked();
    rollouts = new Rollouts(api.raw());
    this.sql = sql;
  }

  private long releases(String instanceId) {
    return sql.count("SELECT count(*) FROM releases WHERE instance_id = $1", instanceId);
  }

  private ApiClient.Response deploy(String instanceId, JsonObject body, String key) {
    return api.post("/v1/instances/" + instanceId + "/deployments", body, key);
  }

  @Test
  @DisplayName(
      "a replay returns the first status, body and Location, marked Idempotent-Replayed, and creates nothing")
  void replay() {
    String instanceId = rollouts.instance(1, STUCK);
    JsonObject body = new JsonObject().put("image", "acme/app:1").put("notes", "once");
    ApiClient.Response first = deploy(instanceId, body, "deploy-1");
    assertThat(first.status()).isEqualTo(202);
    assertThat(first.header("Idempotent-Replayed")).isNull();

    // the same JSON with other whitespace and key order of nothing else: still the same request
    ApiClient.Response again =
        api.post(
            "/v1/instances/" + instanceId + "/deployments",
            "{ \"image\" : \"acme/app:1\",\n  \"notes\": \"once\" }",
            Map.of("Idempotency-Key", "deploy-1"));
    assertThat(again.status()).isEqualTo(202);
    assertThat(again.location()).isEqualTo(first.location());
    assertThat(again.json()).isEqualTo(first.json());
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(releases(instanceId)).isEqualTo(1);
    assertThat(
            sql.count(
                "SELECT count(*) FROM outbox WHERE instance_id = $1 AND type = 'deploy.queued'",
                instanceId))
        .isEqualTo(1);

    ApiClient.Response created =
        api.post("/v1/instances", new JsonObject().put("name", "idem-app"), "create-1");
    ApiClient.Response createdAgain =
        api.post("/v1/instances", new JsonObject().put("name", "idem-app"), "create-1");
    assertThat(createdAgain.status())
        .as("not a 409 for the duplicate name: a replay")
        .isEqualTo(201);
    assertThat(createdAgain.json()).isEqualTo(created.json());
  }

  @Test
  @DisplayName("the same key with a different body is a 422 and does nothing")
  void differentBody() {
    String instanceId = rollouts.instance(1, STUCK);
    assertThat(deploy(instanceId, new JsonObject().put("image", "acme/app:1"), "k").status())
        .isEqualTo(202);
    ApiClient.Response other = deploy(instanceId, new JsonObject().put("image", "acme/app:2"), "k");
    assertThat(other.status()).isEqualTo(422);
    assertThat(other.json().getString("title")).isEqualTo("Idempotency-Key reused");
    assertThat(other.json().getString("detail")).contains("different request body");
    assertThat(other.json().getJsonArray("errors").getJsonObject(0).getString("field"))
        .isEqualTo("Idempotency-Key");
    assertThat(releases(instanceId)).isEqualTo(1);
  }

  @Test
  @DisplayName("a key belongs to one method and path: the same key elsewhere is a new request")
  void scopedToThePath() {
    String a = rollouts.instance(1, STUCK);
    String b = rollouts.instance(1, STUCK);
    JsonObject body = new JsonObject().put("image", "acme/app:1");
    assertThat(deploy(a, body, "shared").status()).isEqualTo(202);
    ApiClient.Response onB = deploy(b, body, "shared");
    assertThat(onB.status()).isEqualTo(202);
    assertThat(onB.header("Idempotent-Replayed")).isNull();
    assertThat(releases(b)).isEqualTo(1);
  }

  @Test
  @DisplayName(
      "identical requests fired at once with one key create one release; the others replay it or get 409")
  void concurrentDuplicates() {
    String instanceId = rollouts.instance(1, STUCK);
    String body = new JsonObject().put("image", "acme/app:1").encode();
    for (int round = 0; round < 5; round++) {
      String key = "burst-" + round;
      List<Future<ApiClient.Response>> sent =
          IntStream.range(0, 10)
              .mapToObj(
                  i ->
                      api.raw()
                          .sendAsync(
                              HttpMethod.POST,
                              "/v1/instances/" + instanceId + "/deployments",
                              body,
                              Map.of("Idempotency-Key", key)))
              .toList();
      Await.result(Future.join(sent), Duration.ofSeconds(30));
      List<ApiClient.Response> responses = sent.stream().map(Future::result).toList();
      List<ApiClient.Response> accepted =
          responses.stream().filter(r -> r.status() == 202).toList();
      assertThat(responses).allSatisfy(r -> assertThat(r.status()).as(r.text()).isIn(202, 409));
      assertThat(accepted.stream().map(r -> r.json().getString("id")).distinct())
          .as("one deployment")
          .hasSize(1);
      assertThat(accepted.stream().filter(r -> r.header("Idempotent-Replayed") == null))
          .as("one original")
          .hasSize(1);
      responses.stream()
          .filter(r -> r.status() == 409)
          .forEach(r -> assertThat(r.json().getString("detail")).contains("still in progress"));
      assertThat(releases(instanceId)).isEqualTo(round + 1L);
    }
  }

  @Test
  @DisplayName(
      "a refused command (404) is kept under its key: the retry gets the same problem, marked"
          + " Idempotent-Replayed")
  void refusalsAreKept() {
    ApiClient.Response missing =
        deploy("inst_missing", new JsonObject().put("image", "a"), "retry-me");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.contentType()).isEqualTo("application/problem+json");
    assertThat(
            sql.count(
                "SELECT count(*) FROM idempotency_keys WHERE key = 'retry-me' AND state = 'done'"
                    + " AND status = 404"))
        .isEqualTo(1);

    ApiClient.Response again =
        deploy("inst_missing", new JsonObject().put("image", "a"), "retry-me");
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.contentType()).isEqualTo("application/problem+json");
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.json()).isEqualTo(missing.json());
  }

  @Test
  @DisplayName(
      "a retried 409 runs nothing again, even once the command would now be accepted: the same"
          + " problem, no new release")
  void conflictReplayedNotRerun() {
    JsonObject fast = new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 0);
    String instanceId = rollouts.instance(1, fast);
    Deploys deploys = new Deploys(api.raw());
    deploys.awaitState(deploys.deploy(instanceId, "acme/app:1", null), "succeeded");
    JsonObject toV1 = new JsonObject().put("version", 1);
    String rollback = "/v1/instances/" + instanceId + "/rollback";

    ApiClient.Response refused = api.post(rollback, toV1, "rollback-to-1");
    assertThat(refused.status()).as(refused.text()).isEqualTo(409);
    assertThat(refused.json().getString("detail")).contains("already the current release");

    deploys.awaitState(deploys.deploy(instanceId, "acme/app:2", null), "succeeded");
    long releasesBefore = releases(instanceId);
    ApiClient.Response retried = api.post(rollback, toV1, "rollback-to-1");
    assertThat(retried.status()).as("replayed, not run against the new state").isEqualTo(409);
    assertThat(retried.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(retried.json()).isEqualTo(refused.json());
    assertThat(releases(instanceId)).isEqualTo(releasesBefore);

    ApiClient.Response fresh = api.post(rollback, toV1, "rollback-to-1-again");
    assertThat(fresh.status()).as("a new key runs the command: %s", fresh.text()).isEqualTo(202);
  }

  @Test
  @DisplayName("a 422 (the request rules) answers the same to its retry and creates nothing")
  void unprocessableAnswersTheSame() {
    String instanceId = rollouts.instance(1, STUCK);
    JsonObject bad =
        new JsonObject().put("image", "acme/app:1").put("env", new JsonObject().put("1BAD", "x"));
    ApiClient.Response first =
        api.raw().post("/v1/instances/" + instanceId + "/deployments", bad, "bad-env");
    assertThat(first.status()).as(first.text()).isEqualTo(422);
    ApiClient.Response again =
        api.raw().post("/v1/instances/" + instanceId + "/deployments", bad, "bad-env");
    assertThat(again.status()).isEqualTo(422);
    assertThat(again.json()).isEqualTo(first.json());
    assertThat(releases(instanceId)).isZero();
  }

  @Test
  @DisplayName(
      "keys are kept 48 hours: a 47-hour-old key still replays; pruning removes only older ones")
  void retention(Vertx vertx) {
    assertThat(Idempotency.RETENTION).isEqualTo("48 hours");
    String instanceId = rollouts.instance(1, STUCK);
    JsonObject body = new JsonObject().put("image", "acme/app:1");
    deploy(instanceId, body, "old");
    deploy(instanceId, body.copy().put("notes", "2"), "older");
    sql.update(
        "UPDATE idempotency_keys SET created_at = now() - interval '47 hours' WHERE key = 'old'");
    sql.update(
        "UPDATE idempotency_keys SET created_at = now() - interval '49 hours' WHERE key = 'older'");

    Await.result(Idempotency.prune(sql.pool()));
    assertThat(sql.count("SELECT count(*) FROM idempotency_keys WHERE key = 'old'")).isEqualTo(1);
    assertThat(sql.count("SELECT count(*) FROM idempotency_keys WHERE key = 'older'")).isZero();
    assertThat(deploy(instanceId, body, "old").header("Idempotent-Replayed")).isEqualTo("true");
    ApiClient.Response afresh = deploy(instanceId, body.copy().put("notes", "2"), "older");
    assertThat(afresh.header("Idempotent-Replayed")).as("a pruned key is a new request").isNull();
    assertThat(releases(instanceId)).isEqualTo(3);
  }
}
