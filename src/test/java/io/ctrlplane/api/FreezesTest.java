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
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
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
 * Freeze windows (issue 18): a deploy, config release or scale during a freeze is refused with 409
 * naming the freeze and its end, and writes nothing; an admin's override goes ahead and is audited;
 * rollbacks and cancels are never frozen. Responses are held to the OpenAPI document.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Freeze windows")
class FreezesTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final String IMAGE = "registry.example.com/acme/app:";

  private ApiClient api;
  private ApiClient deployer;
  private Sql sql;
  private Deploys deploys;

  @BeforeAll
  void start(ApiClient client, Sql sql) {
    api = client.checked();
    this.sql = sql;
    deploys = new Deploys(api);
    deployer =
        api.as(Keys.viaApi(api, "deployer", Scope.READ, Scope.DEPLOY).getString("key")).checked();
  }

  private String liveInstance() {
    String id = deploys.instance("frz-" + NAMES.incrementAndGet(), 0);
    deploys.awaitState(deploys.deploy(id, IMAGE + "1", null), "succeeded");
    return id;
  }

  private JsonObject freeze(JsonObject body) {
    ApiClient.Response r = api.post("/v1/freezes", body);
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(r.header("Location")).isEqualTo("/v1/freezes/" + r.json().getString("id"));
    return r.json();
  }

  private JsonObject range(String instanceId, Instant from, Instant to) {
    return freeze(
        new JsonObject()
            .put("instance_id", instanceId)
            .put("starts_at", from.toString())
            .put("ends_at", to.toString())
            .put("reason", "year-end freeze"));
  }

  private ApiClient.Response deploy(ApiClient as, String instanceId, JsonObject extra) {
    return as.post(
        "/v1/instances/" + instanceId + "/deployments",
        new JsonObject().put("image", IMAGE + "2").mergeIn(extra));
  }

  private ApiClient.Response patch(ApiClient as, String instanceId, JsonObject body) {
    return as.send(
        HttpMethod.PATCH,
        "/v1/instances/" + instanceId,
        body.encode(),
        Map.of("Content-Type", "application/merge-patch+json"));
  }

  private List<Long> rowCounts() {
    return Stream.of(
            "releases", "deployments", "outbox WHERE type = 'deploy.queued'", "freeze_overrides")
        .map(t -> sql.count("SELECT count(*) FROM " + t))
        .toList();
  }

  private static void assertFrozen(ApiClient.Response r, String freezeId, String until) {
    assertThat(r.status()).as(r.text()).isEqualTo(409);
    assertThat(r.contentType()).isEqualTo("application/problem+json");
    assertThat(r.json().getString("title")).isEqualTo("Frozen");
    assertThat(r.json().getString("detail")).contains(freezeId).contains("until " + until);
  }

  @Test
  @DisplayName(
      "a range freeze refuses deploy, config and scale (409 naming it and its end), writing nothing")
  void rangeRefuses() {
    String instance = liveInstance();
    Instant end = Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    JsonObject f = range(instance, Instant.now().minusSeconds(60), end);
    assertThat(f.getBoolean("active")).isTrue();
    assertThat(f.getString("active_until")).isEqualTo(end.toString());
    List<Long> before = rowCounts();

    assertFrozen(deploy(deployer, instance, new JsonObject()), f.getString("id"), end.toString());
    assertFrozen(
        deployer.post(
            "/v1/instances/" + instance + "/config",
            new JsonObject().put("set", new JsonObject().put("A", "1"))),
        f.getString("id"),
        end.toString());
    assertFrozen(
        patch(deployer, instance, new JsonObject().put("replicas", 3)),
        f.getString("id"),
        end.toString());
    assertThat(rowCounts()).isEqualTo(before);
    // a change that moves nothing is not frozen
    assertThat(
            patch(deployer, instance, new JsonObject().put("default_strategy", "recreate"))
                .status())
        .isEqualTo(200);
    // the refusals are audited as refused
    assertThat(
            sql.count(
                "SELECT count(*) FROM audit_log WHERE action = 'deployment.create' "
                    + "AND resource_id = $1 AND outcome = 'refused' AND status = 409",
                instance))
        .isEqualTo(1);
  }

  @Test
  @DisplayName("a tenant-wide freeze refuses a deploy but never a rollback")
  void rollbackAllowed() {
    String instance = liveInstance();
    deploys.awaitState(deploys.deploy(instance, IMAGE + "2", null), "succeeded");
    JsonObject f =
        range(null, Instant.now().minusSeconds(5), Instant.now().plus(1, ChronoUnit.HOURS));
    try {
      // the whole tenant is frozen: a deploy is refused, the rollback goes ahead
      assertFrozen(deploy(deployer, instance, new JsonObject()), f.getString("id"), "");
      ApiClient.Response r =
          deployer.post(
              "/v1/instances/" + instance + "/rollback", new JsonObject().put("version", 1));
      assertThat(r.status()).as(r.text()).isEqualTo(202);
      deploys.awaitState(r.json().getString("id"), "succeeded");
    } finally {
      assertThat(api.delete("/v1/freezes/" + f.getString("id")).status()).isEqualTo(204);
    }
  }

  @Test
  @DisplayName("an override needs an admin key; it goes ahead and is audited with its reason")
  void override() {
    String instance = liveInstance();
    JsonObject f = range(instance, Instant.now(), Instant.now().plus(1, ChronoUnit.DAYS));
    JsonObject override =
        new JsonObject().put("override_freeze", new JsonObject().put("reason", "hotfix INC-42"));

    ApiClient.Response refused = deploy(deployer, instance, override);
    assertThat(refused.status()).as(refused.text()).isEqualTo(403);
    assertThat(refused.json().getString("detail")).contains("admin");

    ApiClient.Response r = deploy(api, instance, override);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    deploys.awaitState(r.json().getString("id"), "succeeded");
    assertThat(
            sql.count(
                "SELECT count(*) FROM audit_log WHERE action = 'freeze.override' "
                    + "AND resource_id = $1 AND outcome = 'succeeded'",
                f.getString("id")))
        .isEqualTo(1);
    assertThat(
            sql.count(
                "SELECT count(*) FROM freeze_overrides WHERE freeze_id = $1 "
                    + "AND reason = 'hotfix INC-42' AND action = 'deployment.create'",
                f.getString("id")))
        .isEqualTo(1);
  }

  @Test
  @DisplayName(
      "a weekly window in a time zone holds until its local end; one on other days does not")
  void weekly() {
    String instance = liveInstance();
    ZoneId zone = ZoneId.of("Pacific/Auckland");
    LocalDate today = LocalDate.now(zone);
    String dayAfterTomorrow = day(today.plusDays(2));
    freeze(
        new JsonObject()
            .put("instance_id", instance)
            .put("weekly", weekly(List.of(dayAfterTomorrow), zone))
            .put("reason", "not today"));
    assertThat(deploy(deployer, instance, new JsonObject()).status()).isEqualTo(202);

    String other = liveInstance();
    JsonObject f =
        freeze(
            new JsonObject()
                .put("instance_id", other)
                .put(
                    "weekly",
                    weekly(
                        List.of(day(today), day(today.minusDays(1)), day(today.plusDays(1))), zone))
                .put("reason", "all day"));
    // ends at the next local midnight after the last frozen minute (java.time, DST included)
    String midnight = today.plusDays(1).atStartOfDay(zone).toInstant().toString();
    assertThat(f.getString("active_until"))
        .isIn(midnight, today.plusDays(2).atStartOfDay(zone).toInstant().toString());
    assertFrozen(deploy(deployer, other, new JsonObject()), f.getString("id"), "");
    JsonArray listed = api.get("/v1/freezes?instance_id=" + other).json().getJsonArray("items");
    assertThat(listed.stream().map(o -> ((JsonObject) o).getString("id")))
        .contains(f.getString("id"));

    assertThat(api.delete("/v1/freezes/" + f.getString("id")).status()).isEqualTo(204);
    assertThat(api.get("/v1/freezes/" + f.getString("id")).status()).isEqualTo(404);
    assertThat(deploy(deployer, other, new JsonObject()).status()).isEqualTo(202);
    assertThat(
            sql.count(
                "SELECT count(*) FROM audit_log WHERE action IN ('freeze.create', 'freeze.delete') "
                    + "AND resource_id = $1",
                f.getString("id")))
        .isEqualTo(2);
  }

  private static String day(LocalDate d) {
    return d.getDayOfWeek().name().substring(0, 3).toLowerCase(java.util.Locale.ROOT);
  }

  private static JsonObject weekly(List<String> days, ZoneId zone) {
    return new JsonObject()
        .put("days", new JsonArray(days))
        .put("from", "00:00")
        .put("to", "23:59")
        .put("time_zone", zone.getId());
  }

  @Test
  @DisplayName("a bad freeze is refused naming each field, and nothing is written")
  void invalid() {
    long before = sql.count("SELECT count(*) FROM freezes");
    ApiClient.Response r =
        api.raw()
            .post(
                "/v1/freezes",
                new JsonObject()
                    .put(
                        "weekly",
                        new JsonObject()
                            .put("days", new JsonArray().add("sat"))
                            .put("from", "18:00")
                            .put("to", "23:59")
                            .put("time_zone", "Mars/Olympus"))
                    .put("reason", "x"));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text()).contains("weekly.time_zone");
    r =
        api.raw()
            .post(
                "/v1/freezes",
                new JsonObject()
                    .put("starts_at", "2026-01-02T00:00:00Z")
                    .put("ends_at", "2026-01-01T00:00:00Z")
                    .put("reason", "backwards"));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text()).contains("ends_at");
    r =
        api.raw()
            .post(
                "/v1/freezes",
                new JsonObject()
                    .put("instance_id", "inst_nope")
                    .put("starts_at", Instant.now().toString())
                    .put("ends_at", Instant.now().plusSeconds(60).toString())
                    .put("reason", "no such instance"));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text()).contains("instance_id");
    assertThat(sql.count("SELECT count(*) FROM freezes")).isEqualTo(before);
  }
}
