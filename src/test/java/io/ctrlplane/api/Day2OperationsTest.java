package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.Sql;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Day-2 operations on the simulator (issue 16): a deploy without env keeps the current env,
 * config-only releases, the instance merge patch with its scale deployment, and release diffs;
 * every response held to the OpenAPI document, refusals writing nothing, audit and events checked.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Day-2 operations")
class Day2OperationsTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final Map<String, String> MERGE_PATCH =
      Map.of("Content-Type", "application/merge-patch+json");

  private ApiClient api;
  private Sql sql;
  private Deploys deploys;

  @BeforeAll
  void start(ApiClient client, Sql sql) {
    api = client.checked();
    this.sql = sql;
    deploys = new Deploys(api);
  }

  private String instance() {
    return deploys.instance("day2-" + NAMES.incrementAndGet(), 20);
  }

  private JsonObject deployAndAwait(String instanceId, JsonObject body) {
    ApiClient.Response r = api.post("/v1/instances/" + instanceId + "/deployments", body);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return deploys.awaitState(r.json().getString("id"), "succeeded");
  }

  private JsonObject release(JsonObject deployment) {
    return api.get("/v1/releases/" + deployment.getJsonObject("release").getString("id")).json();
  }

  private ApiClient.Response patch(String instanceId, JsonObject body) {
    return api.send(HttpMethod.PATCH, "/v1/instances/" + instanceId, body.encode(), MERGE_PATCH);
  }

  private List<Long> rowCounts() {
    return Stream.of(
            "instances",
            "releases",
            "release_secrets",
            "deployments",
            "outbox WHERE type = 'deploy.queued'",
            "idempotency_keys")
        .map(t -> sql.count("SELECT count(*) FROM " + t))
        .toList();
  }

  private long audited(String action, String resourceId, String outcome) {
    return sql.count(
        "SELECT count(*) FROM audit_log WHERE action = $1 AND resource_id = $2 AND outcome = $3",
        action,
        resourceId,
        outcome);
  }

  @Test
  @DisplayName("a deploy without env keeps the current release's env, and env {} clears it")
  void deployWithoutEnvKeepsEnv() {
    String id = instance();
    JsonObject env = new JsonObject().put("A", "1").put("B", "2");
    deployAndAwait(id, new JsonObject().put("image", "web:1").put("env", env));
    JsonObject kept = release(deployAndAwait(id, new JsonObject().put("image", "web:2")));
    assertThat(kept.getJsonObject("env")).isEqualTo(env);
    assertThat(kept.getString("kind")).isEqualTo("deploy");
    JsonObject cleared =
        release(
            deployAndAwait(
                id, new JsonObject().put("image", "web:3").put("env", new JsonObject())));
    assertThat(cleared.getJsonObject("env")).isEqualTo(new JsonObject());
  }

  @Test
  @DisplayName(
      "a config change makes a config release with the current image and merged env and secrets, deployed, audited and evented")
  void configReleaseMergesEnv() {
    String id = instance();
    JsonObject first =
        deployAndAwait(
            id,
            new JsonObject()
                .put("image", "web:7")
                .put("commit_sha", "abc1234")
                .put("env", new JsonObject().put("A", "1").put("B", "2"))
                .put("secret_env", new JsonObject().put("S", "s-secret").put("T", "t-secret")));
    ApiClient.Response r =
        api.post(
            "/v1/instances/" + id + "/config",
            new JsonObject()
                .put("set", new JsonObject().put("B", "3").put("C", "4"))
                .put("unset", new JsonArray().add("A"))
                .put("secret_set", new JsonObject().put("U", "u-secret"))
                .put("secret_unset", new JsonArray().add("T")));
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    assertThat(r.location()).isEqualTo("/v1/deployments/" + r.json().getString("id"));
    assertThat(r.json().getString("kind")).isEqualTo("config");
    assertThat(r.text()).doesNotContain("u-secret");
    JsonObject done = deploys.awaitState(r.json().getString("id"), "succeeded");
    JsonObject rel = release(done);
    assertThat(rel.getString("kind")).isEqualTo("config");
    assertThat(rel.getInteger("version")).isEqualTo(2);
    assertThat(rel.getString("image")).isEqualTo("web:7");
    assertThat(rel.getString("commit_sha")).isEqualTo("abc1234");
    assertThat(rel.getJsonObject("env")).isEqualTo(new JsonObject().put("B", "3").put("C", "4"));
    assertThat(rel.getJsonObject("secret_env").fieldNames()).containsExactlyInAnyOrder("S", "U");
    assertThat(done.getString("strategy")).isEqualTo("rolling");
    // the untouched secret is the earlier release's sealed value, copied as it is
    assertThat(
            sql.count(
                "SELECT count(*) FROM release_secrets a JOIN release_secrets b "
                    + "ON a.name = b.name AND a.ciphertext = b.ciphertext "
                    + "WHERE a.release_id = $1 AND b.release_id = $2 AND a.name = 'S'",
                rel.getString("id"),
                first.getJsonObject("release").getString("id")))
        .isEqualTo(1);
    assertThat(audited("release.config", r.json().getString("id"), "succeeded")).isEqualTo(1);
    Await.until(
        Duration.ofSeconds(20),
        "deploy.succeeded of the config deployment in the outbox",
        () ->
            sql.count(
                        "SELECT count(*) FROM outbox WHERE type = 'deploy.succeeded' "
                            + "AND event->'data'->>'deployment_id' = $1 AND event->'data'->>'kind' = 'config'",
                        r.json().getString("id"))
                    == 1
                ? true
                : null);
  }

  @Test
  @DisplayName("an invalid config change is refused naming the field, and writes nothing")
  void configRefusals() {
    String fresh = instance();
    String id = instance();
    deployAndAwait(
        id, new JsonObject().put("image", "web:1").put("env", new JsonObject().put("A", "1")));
    List<Long> before = rowCounts();
    assertRefused(id, new JsonObject(), 422, "set");
    assertRefused(id, new JsonObject().put("unset", new JsonArray().add("NOPE")), 422, "unset[0]");
    assertRefused(
        id,
        new JsonObject()
            .put("set", new JsonObject().put("X", "1"))
            .put("unset", new JsonArray().add("X")),
        422,
        "unset[0]");
    assertRefused(
        id,
        new JsonObject()
            .put("set", new JsonObject().put("X", "1"))
            .put("secret_set", new JsonObject().put("X", "2")),
        422,
        "secret_set.X");
    assertRefused(
        id,
        new JsonObject().put("secret_unset", new JsonArray().add("NOPE")),
        422,
        "secret_unset[0]");
    assertRefused(fresh, new JsonObject().put("set", new JsonObject().put("X", "1")), 409, null);
    assertRefused(
        "inst_00000000000000000000000000",
        new JsonObject().put("set", new JsonObject().put("X", "1")),
        404,
        null);
    assertThat(rowCounts()).isEqualTo(before);
  }

  private void assertRefused(String id, JsonObject body, int status, String field) {
    ApiClient.Response r = api.post("/v1/instances/" + id + "/config", body);
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    if (field != null) {
      assertThat(
              r.json().getJsonArray("errors").stream()
                  .map(e -> ((JsonObject) e).getString("field")))
          .as(r.text())
          .contains(field);
    }
  }

  @Test
  @DisplayName(
      "a replicas patch is a scale deployment of the live release: up then down, no new release")
  void patchReplicasScales() {
    String id = instance();
    JsonObject first = deployAndAwait(id, new JsonObject().put("image", "web:1"));
    String releaseId = first.getJsonObject("release").getString("id");
    ApiClient.Response up = patch(id, new JsonObject().put("replicas", 4));
    assertThat(up.status()).as(up.text()).isEqualTo(202);
    assertThat(up.json().getInteger("replicas")).isEqualTo(4);
    String scaleUp = up.location().substring("/v1/deployments/".length());
    JsonObject done = deploys.awaitState(scaleUp, "succeeded");
    assertThat(done.getString("kind")).isEqualTo("scale");
    assertThat(done.getJsonObject("release").getString("id")).isEqualTo(releaseId);
    assertThat(readyReplicas(id, releaseId)).isEqualTo(4);
    ApiClient.Response down =
        api.send(
            HttpMethod.PATCH,
            "/v1/instances/" + id,
            new JsonObject().put("replicas", 1).encode(),
            Map.of("Content-Type", "application/json"));
    assertThat(down.status()).as(down.text()).isEqualTo(202);
    deploys.awaitState(down.location().substring("/v1/deployments/".length()), "succeeded");
    Await.until(
        Duration.ofSeconds(20),
        "one replica left",
        () -> runningReplicas(id) == 1 && readyReplicas(id, releaseId) == 1 ? true : null);
    assertThat(sql.count("SELECT count(*) FROM releases WHERE instance_id = $1", id)).isEqualTo(1);
    assertThat(audited("instance.update", id, "succeeded")).isEqualTo(2);
    assertThat(
            sql.count(
                "SELECT count(*) FROM outbox WHERE type = 'deploy.queued' AND event->'data'->>'kind' = 'scale' "
                    + "AND instance_id = $1",
                id))
        .isEqualTo(2);
  }

  private int readyReplicas(String id, String releaseId) {
    JsonObject fleet = api.get("/v1/instances/" + id + "/fleet").json();
    return fleet.getJsonArray("releases").stream()
        .map(JsonObject.class::cast)
        .filter(r -> r.getString("id").equals(releaseId))
        .mapToInt(r -> r.getInteger("ready"))
        .sum();
  }

  private int runningReplicas(String id) {
    JsonObject fleet = api.get("/v1/instances/" + id + "/fleet").json();
    return fleet.getJsonArray("releases").stream()
        .map(JsonObject.class::cast)
        .mapToInt(r -> r.getInteger("replicas"))
        .sum();
  }

  @Test
  @DisplayName("a patch of the default strategy answers 200 with that strategy's default params")
  void patchStrategy() {
    String id = instance();
    ApiClient.Response r = patch(id, new JsonObject().put("default_strategy", "blue-green"));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getString("default_strategy")).isEqualTo("blue-green");
    assertThat(
            r.json()
                .getJsonObject("default_strategy_params")
                .getInteger("scale_down_delay_seconds"))
        .isEqualTo(30);
    ApiClient.Response params =
        patch(
            id,
            new JsonObject()
                .put("default_strategy_params", new JsonObject().put("scale_down_delay_seconds", 5))
                .put("replicas", 3));
    assertThat(params.status()).as(params.text()).isEqualTo(200); // no release: nothing to scale
    assertThat(params.json().getInteger("replicas")).isEqualTo(3);
    assertThat(
            params
                .json()
                .getJsonObject("default_strategy_params")
                .getInteger("scale_down_delay_seconds"))
        .isEqualTo(5);
    assertThat(sql.count("SELECT count(*) FROM deployments WHERE instance_id = $1", id)).isZero();
  }

  @Test
  @DisplayName("heal_after_seconds defaults to 10, is set at creation and by a patch, 422 when bad")
  void healAfterSeconds() {
    String id = instance();
    assertThat(api.get("/v1/instances/" + id).json().getInteger("heal_after_seconds"))
        .isEqualTo(10);
    ApiClient.Response r = patch(id, new JsonObject().put("heal_after_seconds", 25));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getInteger("heal_after_seconds")).isEqualTo(25);
    assertThat(api.get("/v1/instances/" + id).json().getInteger("heal_after_seconds"))
        .isEqualTo(25);
    assertThat(sql.count("SELECT count(*) FROM deployments WHERE instance_id = $1", id)).isZero();
    JsonObject before = api.get("/v1/instances/" + id).json();
    assertPatchRefused(
        id, new JsonObject().put("heal_after_seconds", 0), 422, "heal_after_seconds");
    assertPatchRefused(
        id, new JsonObject().put("heal_after_seconds", 3601), 422, "heal_after_seconds");
    assertPatchRefused(
        id, new JsonObject().put("heal_after_seconds", "soon"), 422, "heal_after_seconds");
    assertPatchRefused(
        id, new JsonObject().putNull("heal_after_seconds"), 422, "heal_after_seconds");
    assertThat(api.get("/v1/instances/" + id).json()).isEqualTo(before);

    ApiClient.Response created =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "day2-heal-" + NAMES.incrementAndGet())
                .put("heal_after_seconds", 3));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    assertThat(created.json().getInteger("heal_after_seconds")).isEqualTo(3);
    String badName = "day2-heal-" + NAMES.incrementAndGet();
    ApiClient.Response bad =
        api.post(
            "/v1/instances", new JsonObject().put("name", badName).put("heal_after_seconds", -1));
    assertThat(bad.status()).as(bad.text()).isEqualTo(422);
    assertThat(bad.text()).contains("heal_after_seconds");
    assertThat(sql.count("SELECT count(*) FROM instances WHERE name = $1", badName)).isZero();
  }

  @Test
  @DisplayName("an invalid patch is refused naming the field, and changes nothing")
  void patchRefusals() {
    String id = instance();
    JsonObject before = api.get("/v1/instances/" + id).json();
    List<Long> rows = rowCounts();
    assertPatchRefused(id, new JsonObject().put("replicas", 0), 422, "replicas");
    assertPatchRefused(id, new JsonObject().putNull("replicas"), 422, "replicas");
    assertPatchRefused(
        id, new JsonObject().put("default_strategy", "nope"), 422, "default_strategy");
    assertPatchRefused(
        id,
        new JsonObject()
            .put("replicas", 2)
            .put("default_strategy_params", new JsonObject().put("max_surge", "900%")),
        422,
        "default_strategy_params.max_surge");
    assertPatchRefused(
        id,
        new JsonObject().put("provider_config", new JsonObject().put("ready_delay_ms", -5)),
        422,
        null);
    assertPatchRefused(id, new JsonObject().put("name", "renamed"), 422, "name");
    assertPatchRefused(id, new JsonObject(), 422, null);
    assertPatchRefused(
        "inst_00000000000000000000000000", new JsonObject().put("replicas", 2), 404, null);
    ApiClient.Response text =
        api.send(
            HttpMethod.PATCH,
            "/v1/instances/" + id,
            "{\"replicas\":3}",
            Map.of("Content-Type", "text/plain"));
    assertThat(text.status()).isEqualTo(415);
    assertThat(api.get("/v1/instances/" + id).json()).isEqualTo(before);
    assertThat(rowCounts()).isEqualTo(rows);
  }

  private void assertPatchRefused(String id, JsonObject body, int status, String field) {
    ApiClient.Response r = patch(id, body);
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    if (field != null) {
      assertThat(
              r.json().getJsonArray("errors").stream()
                  .map(e -> ((JsonObject) e).getString("field")))
          .as(r.text())
          .contains(field);
    }
  }

  @Test
  @DisplayName("a release diff names every kind of change, secret names only")
  void diff() {
    String id = instance();
    JsonObject v1 =
        release(
            deployAndAwait(
                id,
                new JsonObject()
                    .put("image", "web:1")
                    .put("commit_sha", "aaaaaaa")
                    .put("env", new JsonObject().put("KEEP", "k").put("GONE", "g").put("CHG", "1"))
                    .put(
                        "secret_env",
                        new JsonObject()
                            .put("S_KEEP", "value-1")
                            .put("S_GONE", "value-2")
                            .put("S_CHG", "value-3"))));
    JsonObject v2 =
        release(
            deployAndAwait(
                id,
                new JsonObject()
                    .put("image", "web:2")
                    .put("commit_sha", "bbbbbbb")
                    .put("env", new JsonObject().put("KEEP", "k").put("NEW", "n").put("CHG", "2"))
                    .put(
                        "secret_env",
                        new JsonObject().put("S_NEW", "value-4").put("S_CHG", "value-5"))));
    // S_KEEP is dropped by this deploy (secret_env given without it); v3 copies v2's secrets as
    // they are
    JsonObject v3 =
        release(
            deployAndAwait(
                id,
                new JsonObject()
                    .put("image", "web:2")
                    .put("commit_sha", "bbbbbbb")
                    .put(
                        "env", new JsonObject().put("KEEP", "k").put("NEW", "n").put("CHG", "2"))));
    ApiClient.Response r = api.get("/v1/releases/" + v2.getString("id") + "/diff");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonObject d = r.json();
    assertThat(d.getJsonObject("against").getInteger("version")).isEqualTo(1);
    assertThat(d.getJsonObject("image"))
        .isEqualTo(new JsonObject().put("from", "web:1").put("to", "web:2").put("changed", true));
    assertThat(d.getJsonObject("commit_sha").getBoolean("changed")).isTrue();
    JsonObject env = d.getJsonObject("env");
    assertThat(env.getJsonObject("added")).isEqualTo(new JsonObject().put("NEW", "n"));
    assertThat(env.getJsonObject("removed")).isEqualTo(new JsonObject().put("GONE", "g"));
    assertThat(env.getJsonObject("changed"))
        .isEqualTo(new JsonObject().put("CHG", new JsonObject().put("from", "1").put("to", "2")));
    JsonObject secrets = d.getJsonObject("secret_env");
    assertThat(secrets.getJsonArray("added")).containsExactly("S_NEW");
    assertThat(secrets.getJsonArray("removed")).containsExactly("S_GONE", "S_KEEP");
    assertThat(secrets.getJsonArray("changed")).containsExactly("S_CHG");
    assertThat(r.text()).doesNotContain("value-");
    // v3 against v1, given explicitly; and v3 against v2, where nothing changed but secret copies
    JsonObject back =
        api.get("/v1/releases/" + v1.getString("id") + "/diff?against=" + v2.getString("id"))
            .json();
    assertThat(back.getJsonObject("image").getString("to")).isEqualTo("web:1");
    assertThat(back.getJsonObject("env").getJsonObject("added"))
        .isEqualTo(new JsonObject().put("GONE", "g"));
    JsonObject none = api.get("/v1/releases/" + v3.getString("id") + "/diff").json();
    assertThat(none.getJsonObject("image").getBoolean("changed")).isFalse();
    assertThat(none.getJsonObject("env").getJsonObject("changed")).isEqualTo(new JsonObject());
    assertThat(none.getJsonObject("secret_env").getJsonArray("removed"))
        .containsExactly("S_CHG", "S_NEW");
    JsonObject firstOne = api.get("/v1/releases/" + v1.getString("id") + "/diff").json();
    assertThat(firstOne.getValue("against")).isNull();
    assertThat(firstOne.getJsonObject("env").getJsonObject("added").size()).isEqualTo(3);
    String other = instance();
    JsonObject foreign = release(deployAndAwait(other, new JsonObject().put("image", "x:1")));
    ApiClient.Response mixed =
        api.get("/v1/releases/" + v1.getString("id") + "/diff?against=" + foreign.getString("id"));
    assertThat(mixed.status()).as(mixed.text()).isEqualTo(422);
    assertThat(api.get("/v1/releases/rel_nope/diff").status()).isEqualTo(404);
    assertThat(api.get("/v1/releases/" + v1.getString("id") + "/diff?against=rel_nope").status())
        .isEqualTo(404);
  }

  @Test
  @DisplayName(
      "delete while a rollout runs: queued cancelled, running reverted, teardown stops every replica, then 404 and the name is free")
  void deleteWhileRolloutRuns() {
    String name = "day2-del-" + NAMES.incrementAndGet();
    String id = deploys.instance(name, 1500);
    String running = deploys.deploy(id, "web:1", null);
    Await.until(
        Duration.ofSeconds(20),
        running + " running",
        () ->
            "running".equals(api.get("/v1/deployments/" + running).json().getString("state"))
                ? true
                : null);
    String queued = deploys.deploy(id, "web:2", null);
    ApiClient.Response r = api.delete("/v1/instances/" + id);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    assertThat(r.json().getString("id")).isEqualTo(id);
    String teardown = r.location().substring("/v1/deployments/".length());
    // while it is torn down it takes no change
    assertThat(patch(id, new JsonObject().put("replicas", 3)).status()).isEqualTo(409);
    assertThat(api.delete("/v1/instances/" + id).status()).isEqualTo(409);
    assertThat(api.get("/v1/deployments/" + queued).json().getString("state"))
        .isEqualTo("cancelled");
    JsonObject done = deploys.awaitState(teardown, "succeeded");
    assertThat(done.getString("kind")).isEqualTo("teardown");
    assertThat(api.get("/v1/deployments/" + running).json().getString("state"))
        .isEqualTo("cancelled");
    assertThat(api.get("/v1/instances/" + id).status()).isEqualTo(404);
    assertThat(api.get("/v1/instances?limit=100").json().getJsonArray("items").stream())
        .noneMatch(i -> ((JsonObject) i).getString("id").equals(id));
    assertThat(api.get("/v1/deployments/" + running).status()).isEqualTo(200);
    assertThat(api.get("/v1/releases/" + done.getJsonObject("release").getString("id")).status())
        .isEqualTo(200);
    assertThat(
            sql.count(
                "SELECT count(*) FROM sim_replicas WHERE instance_id = $1 "
                    + "AND (stop_at IS NULL OR stop_at > now())",
                id))
        .isZero();
    assertThat(audited("instance.delete", id, "succeeded")).isEqualTo(1);
    assertThat(
            sql.count(
                "SELECT count(*) FROM outbox WHERE type = 'deploy.succeeded' "
                    + "AND event->'data'->>'kind' = 'teardown' AND instance_id = $1",
                id))
        .isEqualTo(1);
    assertThat(api.delete("/v1/instances/" + id).status()).isEqualTo(404);
    assertThat(api.post("/v1/instances", new JsonObject().put("name", name)).status())
        .isEqualTo(201);
  }

  @Test
  @DisplayName("an instance that never had a release is deleted at once; an unknown id is a 404")
  void deleteFresh() {
    String id = instance();
    ApiClient.Response r = api.delete("/v1/instances/" + id);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    assertThat(r.location()).isNull();
    assertThat(api.get("/v1/instances/" + id).status()).isEqualTo(404);
    assertThat(api.delete("/v1/instances/inst_00000000000000000000000000").status()).isEqualTo(404);
  }
}
