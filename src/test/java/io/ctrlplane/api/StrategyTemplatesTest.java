package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.security.Scope;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.Keys;
import io.ctrlplane.testing.Sql;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
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
 * Strategy templates (issue 16): {@code /v1/strategies} create/list/get/delete, validated like
 * deployment params, tenant-scoped and audited; a deploy, rollback or PATCH default_strategy naming
 * a template runs the template's strategy and params (explicit params merged over them).
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Strategy templates")
class StrategyTemplatesTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final String IMAGE = "registry.example.com/acme/app:";

  private ApiClient api;
  private ApiClient other;
  private ApiClient reader;
  private Sql sql;
  private Deploys deploys;

  @BeforeAll
  void start(ApiClient client, Sql sql) {
    api = client.checked();
    this.sql = sql;
    deploys = new Deploys(api);
    other =
        api.as(Keys.forTenant(sql, "other-tenant", "other", Scope.READ, Scope.DEPLOY)).checked();
    reader = api.as(Keys.viaApi(api, "reader", Scope.READ).getString("key")).checked();
  }

  private static String name() {
    return "tpl-" + NAMES.incrementAndGet();
  }

  private static JsonObject canary(String name) {
    return new JsonObject()
        .put("name", name)
        .put("strategy", "canary")
        .put(
            "params",
            new JsonObject()
                .put(
                    "steps",
                    new JsonArray()
                        .add(new JsonObject().put("set_weight", 30))
                        .add(new JsonObject().put("set_weight", 60))));
  }

  private JsonObject create(JsonObject body) {
    ApiClient.Response r = api.post("/v1/strategies", body);
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(r.header("Location")).isEqualTo("/v1/strategies/" + body.getString("name"));
    return r.json();
  }

  private long templates() {
    return sql.count("SELECT count(*) FROM strategy_templates");
  }

  private static void assertRefused(ApiClient.Response r, int status, String field) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    if (field != null) {
      assertThat(
              r.json().getJsonArray("errors").stream()
                  .map(e -> ((JsonObject) e).getString("field")))
          .as(r.text())
          .anySatisfy(f -> assertThat(f).startsWith(field));
    }
  }

  @Test
  @DisplayName("create, get, list and delete a template, each change audited")
  void crud() {
    String name = name();
    JsonObject t = create(canary(name));
    assertThat(t.getString("id")).startsWith("stt_");
    assertThat(t.getString("strategy")).isEqualTo("canary");
    assertThat(t.getJsonObject("params").getInteger("progress_deadline_seconds"))
        .as("normalised: defaults filled in")
        .isEqualTo(600);
    assertThat(api.get("/v1/strategies/" + name).json()).isEqualTo(t);
    assertThat(reader.get("/v1/strategies/" + name).status()).isEqualTo(200);
    JsonArray items = api.get("/v1/strategies?limit=100").json().getJsonArray("items");
    assertThat(items.stream().map(o -> ((JsonObject) o).getString("name"))).contains(name);
    assertThat(
            sql.count(
                "SELECT count(*) FROM audit_log WHERE action = 'strategy.create' "
                    + "AND resource_id = $1 AND outcome = 'succeeded'",
                t.getString("id")))
        .isEqualTo(1);

    assertThat(api.send(HttpMethod.DELETE, "/v1/strategies/" + name, null, Map.of()).status())
        .isEqualTo(204);
    assertRefused(api.get("/v1/strategies/" + name), 404, null);
    assertThat(
            sql.count(
                "SELECT count(*) FROM audit_log WHERE action = 'strategy.delete' "
                    + "AND resource_id = $1 AND outcome = 'succeeded'",
                t.getString("id")))
        .isEqualTo(1);
    assertRefused(api.send(HttpMethod.DELETE, "/v1/strategies/" + name, null, Map.of()), 404, null);
  }

  @Test
  @DisplayName("invalid templates are refused naming the field (422, 409), writing nothing")
  void refusals() {
    String name = name();
    create(canary(name));
    long before = templates();
    assertRefused(api.post("/v1/strategies", canary(name)), 409, null);
    assertRefused(api.post("/v1/strategies", canary("canary")), 422, "name");
    assertRefused(api.post("/v1/strategies", canary("Bad_Name")), 422, "name");
    assertRefused(
        api.post("/v1/strategies", canary(name()).put("strategy", "nope")), 422, "strategy");
    assertRefused(
        api.post(
            "/v1/strategies", canary(name()).put("params", new JsonObject().put("steps", "lots"))),
        422,
        "params.steps");
    assertRefused(
        api.post(
            "/v1/strategies",
            new JsonObject()
                .put("name", name())
                .put("strategy", "rolling")
                .put("params", new JsonObject().put("max_surge", "900%"))),
        422,
        "params.max_surge");
    assertRefused(api.post("/v1/strategies", canary(name()).put("extra", 1)), 422, "extra");
    assertRefused(reader.post("/v1/strategies", canary(name())), 403, null);
    assertThat(templates()).isEqualTo(before);
  }

  @Test
  @DisplayName("templates are tenant-scoped: another tenant can neither see nor deploy with them")
  void tenantIsolation() {
    String name = name();
    create(canary(name));
    assertRefused(other.get("/v1/strategies/" + name), 404, null);
    assertThat(other.get("/v1/strategies").json().getJsonArray("items")).isEmpty();
    assertRefused(
        other.send(HttpMethod.DELETE, "/v1/strategies/" + name, null, Map.of()), 404, null);
    // the same name is free in the other tenant
    ApiClient.Response theirs =
        other.post(
            "/v1/strategies",
            canary(name).put("strategy", "rolling").put("params", new JsonObject()));
    assertThat(theirs.status()).as(theirs.text()).isEqualTo(201);
    ApiClient.Response inst =
        other.post("/v1/instances", new JsonObject().put("name", "iso-" + name).put("replicas", 1));
    assertThat(inst.status()).as(inst.text()).isEqualTo(201);
    String otherInstance = inst.json().getString("id");
    ApiClient.Response d =
        other.post(
            "/v1/instances/" + otherInstance + "/deployments",
            new JsonObject().put("image", IMAGE + "1").put("strategy", "tpl-does-not-exist"));
    assertRefused(d, 422, "strategy");
    assertThat(api.get("/v1/strategies/" + name).json().getString("strategy")).isEqualTo("canary");
  }

  @Test
  @DisplayName(
      "a deploy naming a template runs the template's plan on the simulator and records the resolved strategy")
  void deployWithTemplate() {
    String name = name();
    JsonObject t = create(canary(name));
    String instance = deploys.instance("tpd-" + NAMES.incrementAndGet(), 0);
    deploys.awaitState(deploys.deploy(instance, IMAGE + "1", null), "succeeded");
    long deployments = sql.count("SELECT count(*) FROM deployments");

    // unknown template: 422 on strategy, nothing written
    assertRefused(
        api.post(
            "/v1/instances/" + instance + "/deployments",
            new JsonObject().put("image", IMAGE + "2").put("strategy", "no-such-template")),
        422,
        "strategy");
    // merged params that do not pass: 422 naming the field
    assertRefused(
        api.post(
            "/v1/instances/" + instance + "/deployments",
            new JsonObject()
                .put("image", IMAGE + "2")
                .put("strategy", name)
                .put("strategy_params", new JsonObject().put("steps", 5))),
        422,
        "strategy_params.steps");
    assertThat(sql.count("SELECT count(*) FROM deployments")).isEqualTo(deployments);

    ApiClient.Response r =
        api.post(
            "/v1/instances/" + instance + "/deployments",
            new JsonObject()
                .put("image", IMAGE + "2")
                .put("strategy", name)
                .put("strategy_params", new JsonObject().put("progress_deadline_seconds", 300)));
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    JsonObject done = deploys.awaitState(r.json().getString("id"), "succeeded");
    assertThat(done.getString("strategy")).isEqualTo("canary");
    JsonObject params = done.getJsonObject("strategy_params");
    assertThat(params.getJsonArray("steps"))
        .isEqualTo(t.getJsonObject("params").getJsonArray("steps"));
    assertThat(params.getInteger("progress_deadline_seconds"))
        .as("explicit params merged over the template's")
        .isEqualTo(300);
    List<String> plan =
        done.getJsonArray("plan").stream()
            .map(o -> ((JsonObject) o).getString("description"))
            .toList();
    assertThat(plan).as(plan.toString()).anySatisfy(s -> assertThat(s).contains("30"));
    assertThat(plan).as(plan.toString()).anySatisfy(s -> assertThat(s).contains("60"));
    assertThat(done.getJsonObject("progress").getInteger("steps")).isEqualTo(plan.size());

    // a rollback naming the template gets the same resolution
    ApiClient.Response rb =
        api.post(
            "/v1/instances/" + instance + "/rollback",
            new JsonObject().put("version", 1).put("strategy", name));
    assertThat(rb.status()).as(rb.text()).isEqualTo(202);
    JsonObject rolled = deploys.awaitState(rb.json().getString("id"), "succeeded");
    assertThat(rolled.getString("strategy")).isEqualTo("canary");
  }

  @Test
  @DisplayName(
      "PATCH default_strategy with a template stores its strategy and params; config releases use them")
  void defaultStrategyTemplate() {
    String name = name();
    create(canary(name));
    String instance = deploys.instance("tpp-" + NAMES.incrementAndGet(), 0);
    ApiClient.Response bad =
        api.send(
            HttpMethod.PATCH,
            "/v1/instances/" + instance,
            new JsonObject().put("default_strategy", "no-such-template").encode(),
            Map.of("Content-Type", "application/merge-patch+json"));
    assertRefused(bad, 422, "default_strategy");
    ApiClient.Response r =
        api.send(
            HttpMethod.PATCH,
            "/v1/instances/" + instance,
            new JsonObject().put("default_strategy", name).encode(),
            Map.of("Content-Type", "application/merge-patch+json"));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getString("default_strategy")).isEqualTo("canary");
    assertThat(r.json().getJsonObject("default_strategy_params").getJsonArray("steps")).hasSize(2);
    deploys.awaitState(deploys.deploy(instance, IMAGE + "1", null), "succeeded");
    ApiClient.Response config =
        api.post(
            "/v1/instances/" + instance + "/config",
            new JsonObject().put("set", new JsonObject().put("A", "1")));
    assertThat(config.status()).as(config.text()).isEqualTo(202);
    JsonObject done = deploys.awaitState(config.json().getString("id"), "succeeded");
    assertThat(done.getString("strategy")).isEqualTo("canary");
    assertThat(done.getJsonObject("strategy_params").getJsonArray("steps")).hasSize(2);
    assertThat(Stream.of(done.getString("kind"))).containsExactly("config");
  }
}
