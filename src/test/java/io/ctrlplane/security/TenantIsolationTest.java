package io.ctrlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.api.RouteTable;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.Keys;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.WebhookReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two tenants on one server: the default tenant (A, the bootstrap key) and tenant-b (B, a key the
 * operator made). B's key on any of A's ids answers 404, exactly like an id that does not exist,
 * and changes nothing; lists, events and webhooks never cross.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(roles = "api,runner,relay,webhooks")
@DisplayName("Tenants")
class TenantIsolationTest {
  /**
   * Tables whose rows a refused request must leave alone (outbox by its immutable columns: the
   * relay moves the rest).
   */
  private static final List<String> SNAPSHOT =
      List.of(
          "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM instances t",
          "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM releases t",
          "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM deployments t",
          "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM release_secrets t",
          "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM webhooks t",
          "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM api_keys t",
          "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM idempotency_keys t",
          "SELECT md5(coalesce(string_agg(event_id || type, '|' ORDER BY event_id), '')) FROM outbox",
          "SELECT md5(coalesce(string_agg(id, '|' ORDER BY id), '')) FROM sim_replicas",
          "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM freezes t");

  private ApiClient a;
  private ApiClient b;
  private Sql sql;
  private Deploys deploysA;
  private WebhookReceiver receiver;
  private final Map<String, String> idsOfA = new HashMap<>();
  private String secondDeploymentOfA;

  @BeforeAll
  void start(Vertx vertx, ApiClient api, Sql sql) {
    receiver = WebhookReceiver.start(vertx);
    a = api;
    this.sql = sql;
    b = a.as(Keys.forTenant(sql, "tenant-b", "b-admin", Scope.ADMIN));

    deploysA = new Deploys(a);
    String shop = deploysA.instance("shop", 0);
    idsOfA.put(
        "webhooks",
        a.post("/v1/webhooks", new JsonObject().put("url", receiver.url("/a")))
            .json()
            .getString("id"));
    assertThat(b.post("/v1/webhooks", new JsonObject().put("url", receiver.url("/b"))).status())
        .isEqualTo(201);
    deploysA.awaitState(
        deploysA.deploy(shop, "registry.example.com/acme/shop:1", null), "succeeded");
    secondDeploymentOfA =
        a.post(
                "/v1/instances/" + shop + "/deployments",
                new JsonObject()
                    .put("image", "registry.example.com/acme/shop:2")
                    .put("secret_env", new JsonObject().put("DB_PASSWORD", "a-secret")))
            .json()
            .getString("id");
    JsonObject done = deploysA.awaitState(secondDeploymentOfA, "succeeded");
    idsOfA.put("instances", shop);
    idsOfA.put("deployments", secondDeploymentOfA);
    idsOfA.put("releases", done.getJsonObject("release").getString("id"));
    idsOfA.put("api-keys", Keys.viaApi(a, "a-reader", Scope.READ).getString("id"));
    // a freeze of A's that holds only in the far future, so it blocks nothing here
    idsOfA.put(
        "freezes",
        a.post(
                "/v1/freezes",
                new JsonObject()
                    .put("instance_id", shop)
                    .put("starts_at", "2999-01-01T00:00:00Z")
                    .put("ends_at", "2999-01-02T00:00:00Z")
                    .put("reason", "far away"))
            .json()
            .getString("id"));
  }

  @AfterAll
  void stop() {
    receiver.close();
  }

  private List<String> snapshot() {
    List<String> sums = new ArrayList<>();
    for (String q : SNAPSHOT) {
      Row row = Await.result(sql.pool().query(q).execute()).iterator().next();
      sums.add(row.getString(0));
    }
    return sums;
  }

  /**
   * A body that would be accepted on A's own id, so tenancy is the only reason left to refuse it.
   */
  private static String validBody(RouteTable.Entry e) {
    if (e.method().equals(HttpMethod.PATCH)) {
      return new JsonObject().put("replicas", 5).encode();
    }
    if (!e.method().equals(HttpMethod.POST)) {
      return null;
    }
    if (e.path().endsWith("/deployments")) {
      return new JsonObject().put("image", "registry.example.com/evil/shop:6").encode();
    }
    if (e.path().endsWith("/rollback")) {
      return new JsonObject().put("version", 1).encode();
    }
    if (e.path().endsWith("/config")) {
      return new JsonObject().put("set", new JsonObject().put("EVIL", "1")).encode();
    }
    return "{}";
  }

  @TestFactory
  @DisplayName("answer 404 to another tenant's id on every route with an id, and nothing changes")
  Stream<DynamicTest> crossTenantIds() {
    List<String> before = new ArrayList<>();
    List<DynamicTest> tests = new ArrayList<>();
    tests.add(
        DynamicTest.dynamicTest("snapshot of tenant A's rows", () -> before.addAll(snapshot())));
    for (RouteTable.Entry e : RouteTable.ALL) {
      if (!e.hasId()) {
        continue;
      }
      String kind = e.path().split("/")[2];
      String path = e.path().replace(":id", idsOfA.get(kind));
      tests.add(
          DynamicTest.dynamicTest(
              e.method() + " " + e.path() + " with tenant B's key → 404",
              () -> {
                // a route with a second id (a replica's logs) has no own resource of A's here: only
                // the 404s apply
                // (a watch stream never ends while there is something to follow: WatchTest reads
                // its own watches)
                if (e.method().equals(HttpMethod.GET)
                    && !path.contains(":")
                    && !e.path().endsWith("/watch")) {
                  assertThat(a.get(path).status()).as("tenant A reads its own id").isEqualTo(200);
                }
                ApiClient.Response r = b.send(e.method(), path, validBody(e), Map.of());
                assertThat(r.status()).as(r.text()).isEqualTo(404);
                assertThat(r.contentType()).isEqualTo("application/problem+json");
                assertThat(r.text()).doesNotContain("a-secret").doesNotContain("shop:2");
                ApiClient.Response unknown =
                    b.send(
                        e.method(), e.path().replace(":id", "zz_nowhere"), validBody(e), Map.of());
                assertThat(unknown.status())
                    .as("indistinguishable from an id that does not exist")
                    .isEqualTo(404);
              }));
    }
    tests.add(
        DynamicTest.dynamicTest(
            "tenant A's rows are unchanged", () -> assertThat(snapshot()).isEqualTo(before)));
    return tests.stream();
  }

  @Test
  @DisplayName("see only their own instances, events, webhooks, keys and audit records")
  void lists() {
    // B has an instance and events of its own, so no list below is empty and no check is vacuous
    Deploys deploysB = new Deploys(b);
    String ofB = deploysB.instance("b-lists", 0);
    String deploymentOfB = deploysB.deploy(ofB, "registry.example.com/b/lists:1", null);
    Await.until(
        Duration.ofSeconds(30),
        "B's deployment in B's event log",
        () -> b.get("/v1/events?limit=1000").text().contains(deploymentOfB) ? true : null);

    JsonArray instancesOfB = b.get("/v1/instances").json().getJsonArray("items");
    assertThat(instancesOfB).isNotEmpty();
    assertThat(instancesOfB.stream().map(i -> ((JsonObject) i).getString("id")).toList())
        .contains(ofB)
        .doesNotContain(idsOfA.get("instances"));

    ApiClient.Response eventsOfB = b.get("/v1/events?limit=1000");
    assertThat(eventsOfB.status()).as(eventsOfB.text()).isEqualTo(200);
    assertThat(eventsOfB.text()).doesNotContain(idsOfA.get("instances"));
    assertThat(eventsOfB.json().getJsonArray("items"))
        .isNotEmpty()
        .allSatisfy(
            i ->
                assertThat(((JsonObject) i).getJsonObject("event").getString("tenantid"))
                    .isEqualTo("tenant-b"));
    ApiClient.Response eventsOfA = a.get("/v1/events?limit=1000");
    assertThat(eventsOfA.status()).as(eventsOfA.text()).isEqualTo(200);
    assertThat(eventsOfA.text()).contains(idsOfA.get("instances")).doesNotContain(ofB);
    assertThat(eventsOfA.json().getJsonArray("items"))
        .isNotEmpty()
        .allSatisfy(
            i ->
                assertThat(((JsonObject) i).getJsonObject("event").getString("tenantid"))
                    .isEqualTo("default"));

    ApiClient.Response webhooksOfB = b.get("/v1/webhooks");
    assertThat(webhooksOfB.status()).isEqualTo(200);
    assertThat(webhooksOfB.text())
        .doesNotContain(idsOfA.get("webhooks"))
        .contains(receiver.url("/b"));
    assertThat(b.get("/v1/api-keys").json().getJsonArray("items"))
        .isNotEmpty()
        .allSatisfy(k -> assertThat(((JsonObject) k).getString("tenant_id")).isEqualTo("tenant-b"));
    assertThat(b.get("/v1/audit?limit=100").json().getJsonArray("items"))
        .isNotEmpty()
        .allSatisfy(r -> assertThat(((JsonObject) r).getString("tenant_id")).isEqualTo("tenant-b"));
    assertThat(a.get("/v1/audit?limit=100").json().getJsonArray("items"))
        .isNotEmpty()
        .allSatisfy(r -> assertThat(((JsonObject) r).getString("tenant_id")).isEqualTo("default"));
  }

  @Test
  @DisplayName("name instances independently: the same name in two tenants, unique within one")
  void namesPerTenant() {
    ApiClient.Response first = b.post("/v1/instances", new JsonObject().put("name", "shop"));
    assertThat(first.status()).as(first.text()).isEqualTo(201);
    assertThat(b.post("/v1/instances", new JsonObject().put("name", "shop")).status())
        .isEqualTo(409);
    assertThat(a.post("/v1/instances", new JsonObject().put("name", "shop")).status())
        .isEqualTo(409);
  }

  @Test
  @DisplayName("deliver webhooks only to the tenant whose instance the event is about")
  void webhooksStayInTheirTenant() {
    Deploys deploysB = new Deploys(b);
    String mine = deploysB.instance("b-only", 0);
    String deployment = deploysB.deploy(mine, "registry.example.com/b/app:1", null);
    deploysB.awaitState(deployment, "succeeded");
    Await.until(
        Duration.ofSeconds(30),
        "B's succeeded event at /b",
        () ->
            receiver.requests("/b").stream()
                    .anyMatch(
                        r -> r.text().contains(deployment) && r.text().contains("deploy.succeeded"))
                ? true
                : null);
    Await.until(
        Duration.ofSeconds(30),
        "A's succeeded event at /a",
        () ->
            receiver.requests("/a").stream()
                    .anyMatch(
                        r ->
                            r.text().contains(secondDeploymentOfA)
                                && r.text().contains("deploy.succeeded"))
                ? true
                : null);
    assertThat(receiver.requests("/b"))
        .isNotEmpty()
        .allSatisfy(
            r -> {
              assertThat(r.text()).doesNotContain(idsOfA.get("instances"));
              assertThat(new JsonObject(r.text()).getString("tenantid")).isEqualTo("tenant-b");
            });
    assertThat(receiver.requests("/a"))
        .isNotEmpty()
        .allSatisfy(
            r -> {
              assertThat(r.text()).doesNotContain(mine);
              assertThat(new JsonObject(r.text()).getString("tenantid")).isEqualTo("default");
            });
    assertThat(
            sql.count(
                "SELECT count(*) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
                    + "JOIN instances i ON i.id = d.instance_id WHERE w.tenant_id <> i.tenant_id"))
        .isZero();
  }

  @Test
  @DisplayName("record who initiated a deployment, on the deployment and on its events")
  void initiatedBy() {
    JsonObject dep = a.get("/v1/deployments/" + secondDeploymentOfA).json();
    assertThat(dep.getJsonObject("initiated_by"))
        .isEqualTo(
            new JsonObject()
                .put("key_id", Principal.BOOTSTRAP_KEY_ID)
                .put("key_name", "bootstrap"));
    JsonObject event =
        a.get("/v1/events?limit=1000").json().getJsonArray("items").stream()
            .map(i -> ((JsonObject) i).getJsonObject("event"))
            .filter(
                ev ->
                    secondDeploymentOfA.equals(ev.getString("subject"))
                        && "deploy.succeeded".equals(ev.getString("type")))
            .findFirst()
            .orElseThrow();
    assertThat(event.getJsonObject("data").getJsonObject("initiated_by").getString("key_id"))
        .isEqualTo(Principal.BOOTSTRAP_KEY_ID);
    assertThat(event.getString("tenantid")).isEqualTo("default");
  }
}
