package io.ctrlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.api.RouteTable;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.Keys;
import io.ctrlplane.testing.Sql;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Generated from {@link RouteTable}: every /v1 route refuses a request without a key, with a
 * malformed key, an unknown key, a revoked key (401) and a key lacking its scope (403), and lets
 * the least key that has the scope through.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Every /v1 route")
class RouteAuthTest {
  private ApiClient api;
  private Sql sql;
  private final Map<String, String> ids = new java.util.HashMap<>();
  private final Map<Scope, String> onlyKeys = new java.util.EnumMap<>(Scope.class);
  private String readDeployKey;
  private String revokedKey;

  @BeforeAll
  void start(ApiClient api, Sql sql) {
    this.api = api;
    this.sql = sql;
    Deploys deploys = new Deploys(api);
    String instance = deploys.instance("auth-app", 0);
    String deployment = deploys.deploy(instance, "registry.example.com/acme/app:1.0.0", null);
    ids.put("instances", instance);
    ids.put("deployments", deployment);
    ids.put(
        "releases",
        api.get("/v1/deployments/" + deployment).json().getJsonObject("release").getString("id"));
    ids.put(
        "webhooks",
        api.post("/v1/webhooks", new JsonObject().put("url", "http://127.0.0.1:9/hook"))
            .json()
            .getString("id"));
    for (Scope s : Scope.values()) {
      onlyKeys.put(s, Keys.viaApi(api, "only-" + s.wire(), s).getString("key"));
    }
    readDeployKey = Keys.viaApi(api, "read-deploy", Scope.READ, Scope.DEPLOY).getString("key");
    JsonObject revoked = Keys.viaApi(api, "revoked", Scope.ADMIN);
    ids.put("api-keys", revoked.getString("id"));
    assertThat(api.delete("/v1/api-keys/" + revoked.getString("id")).status()).isEqualTo(204);
    revokedKey = revoked.getString("key");
  }

  /** The route's path with a real id of the right kind in place of :id. */
  private String path(RouteTable.Entry e) {
    String kind = e.path().split("/")[2];
    return e.path().replace(":id", ids.getOrDefault(kind, "x")).replace(":name", "x");
  }

  /** The route names one resource: by id, or by name (strategy templates). */
  private static boolean names(RouteTable.Entry e) {
    return e.hasId() || e.path().contains(":name");
  }

  /** The same path with an id that exists nowhere (for requests that get past authorisation). */
  private static String missing(RouteTable.Entry e) {
    return e.path().replace(":id", "zz_missing").replace(":name", "zz-missing");
  }

  /** A key that lacks the route's scope but has every other one it could have. */
  private String wrongScope(Scope required) {
    return switch (required) {
      case READ -> onlyKeys.get(Scope.DEPLOY);
      case DEPLOY -> onlyKeys.get(Scope.READ);
      case ADMIN, APPROVE -> readDeployKey;
    };
  }

  private ApiClient.Response call(
      RouteTable.Entry e, String path, String authorization, String body) {
    Map<String, String> headers =
        authorization == null ? Map.of() : Map.of("Authorization", authorization);
    String payload = e.method().equals(HttpMethod.POST) ? body : null;
    return api.as(ApiClient.NO_KEY).send(e.method(), path, payload, headers);
  }

  private static void assertUnauthorized(ApiClient.Response r, boolean invalidToken) {
    assertThat(r.status()).as(r.text()).isEqualTo(401);
    assertThat(r.contentType()).isEqualTo("application/problem+json");
    assertThat(r.json().getInteger("status")).isEqualTo(401);
    assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
    if (invalidToken) {
      assertThat(r.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
    }
  }

  @TestFactory
  @DisplayName(
      "refuses a missing, malformed, unknown or revoked key (401) and a key without its scope (403)")
  Stream<DynamicTest> refusals() {
    List<DynamicTest> tests = new ArrayList<>();
    for (RouteTable.Entry e : RouteTable.ALL) {
      String name = e.method() + " " + e.path() + " [" + e.scope().wire() + "]";
      tests.add(
          DynamicTest.dynamicTest(
              name + ": no key → 401",
              () -> assertUnauthorized(call(e, path(e), null, "{}"), false)));
      tests.add(
          DynamicTest.dynamicTest(
              name + ": malformed key → 401",
              () -> {
                assertUnauthorized(call(e, path(e), "Bearer not-a-key", "{}"), true);
                assertUnauthorized(call(e, path(e), "Basic dXNlcjpwYXNz", "{}"), true);
                assertUnauthorized(call(e, path(e), "Bearer", "{}"), true);
              }));
      tests.add(
          DynamicTest.dynamicTest(
              name + ": unknown key → 401",
              () ->
                  assertUnauthorized(
                      call(e, path(e), "Bearer " + ApiKeyTokens.generate(), "{}"), true)));
      tests.add(
          DynamicTest.dynamicTest(
              name + ": revoked key → 401",
              () -> assertUnauthorized(call(e, path(e), "Bearer " + revokedKey, "{}"), true)));
      tests.add(
          DynamicTest.dynamicTest(
              name + ": key without '" + e.scope().wire() + "' → 403",
              () -> {
                ApiClient.Response r = call(e, path(e), "Bearer " + wrongScope(e.scope()), "{}");
                assertThat(r.status()).as(r.text()).isEqualTo(403);
                assertThat(r.contentType()).isEqualTo("application/problem+json");
                assertThat(r.json().getString("detail")).contains("'" + e.scope().wire() + "'");
                assertThat(r.header("WWW-Authenticate")).contains("insufficient_scope");
              }));
      tests.add(
          DynamicTest.dynamicTest(
              name + ": spelled with a trailing or doubled slash, still 403",
              () -> {
                String p = path(e);
                for (String variant : List.of(p + "/", p.replaceFirst("/v1/", "/v1//"), "/" + p)) {
                  ApiClient.Response r = call(e, variant, "Bearer " + wrongScope(e.scope()), "{}");
                  assertThat(r.status()).as(variant + ": " + r.text()).isEqualTo(403);
                }
              }));
      tests.add(
          DynamicTest.dynamicTest(
              name + ": a key with only '" + e.scope().wire() + "' gets past authorisation",
              () -> {
                // an id that exists nowhere and an invalid body: past the key check, nothing can
                // change
                ApiClient.Response r =
                    call(
                        e,
                        names(e) ? missing(e) : path(e),
                        "Bearer " + onlyKeys.get(e.scope()),
                        "{\"no_such_field\": true}");
                assertThat(r.status())
                    .as(r.text())
                    .isNotIn(401, 403)
                    .isIn(
                        names(e)
                            ? (e.mutating() ? List.of(404, 422) : List.of(404))
                            : e.mutating() ? List.of(422) : List.of(200));
              }));
    }
    return tests.stream();
  }

  @Test
  @DisplayName("health and metrics stay open without a key")
  void openRoutes() {
    ApiClient anonymous = api.as(ApiClient.NO_KEY);
    assertThat(anonymous.get("/health/live").status()).isEqualTo(200);
    assertThat(anonymous.get("/metrics").status()).isEqualTo(200);
    // the stack is healthy: ready, once its checks have run (a deadline, not a tolerance of 503)
    Await.until(
        Duration.ofSeconds(30),
        "/health/ready to answer 200 without a key",
        () -> anonymous.get("/health/ready").status() == 200 ? true : null);
  }

  @Test
  @DisplayName(
      "an unknown /v1 path asks for a key first, so routes cannot be discovered without one")
  void unknownPaths() {
    assertUnauthorized(api.as(ApiClient.NO_KEY).get("/v1/secrets"), false);
    assertThat(api.get("/v1/secrets").status()).isEqualTo(404);
  }

  @Test
  @DisplayName(
      "the bootstrap key is an admin of the default tenant and cannot be revoked through the API")
  void bootstrap() {
    assertThat(api.get("/v1/audit").status()).isEqualTo(200);
    ApiClient.Response r =
        api.delete("/v1/api-keys/" + io.ctrlplane.security.Principal.BOOTSTRAP_KEY_ID);
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.json().getString("detail")).contains("CTRLPLANE_BOOTSTRAP_API_KEY");
  }

  @Test
  @DisplayName("revocation takes effect on the next request")
  void revocation() {
    JsonObject key = Keys.viaApi(api, "short-lived", Scope.READ);
    ApiClient holder = api.as(key.getString("key"));
    assertThat(holder.get("/v1/instances").status()).isEqualTo(200);
    assertThat(api.delete("/v1/api-keys/" + key.getString("id")).status()).isEqualTo(204);
    assertThat(holder.get("/v1/instances").status()).isEqualTo(401);
    assertThat(api.delete("/v1/api-keys/" + key.getString("id")).status()).isEqualTo(409);
  }

  @Test
  @DisplayName("the key list shows names, scopes and a short prefix, never a secret or its hash")
  void keyList() {
    JsonObject created = Keys.viaApi(api, "listed", Scope.READ);
    assertThat(created.getString("key")).startsWith("cp_");
    ApiClient.Response list = api.get("/v1/api-keys?limit=100");
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.text())
        .doesNotContain(created.getString("key"))
        .doesNotContain(ApiKeyTokens.hash(created.getString("key")))
        .contains(created.getString("id"))
        .contains(created.getString("key").substring(0, 7));
    JsonObject one = api.get("/v1/api-keys/" + created.getString("id")).json();
    assertThat(one.containsKey("key")).isFalse();
    assertThat(one.getJsonArray("scopes")).containsExactly("read");
    assertThat(
            sql.count(
                "SELECT count(*) FROM api_keys WHERE key_hash = $1",
                ApiKeyTokens.hash(created.getString("key"))))
        .isEqualTo(1);
  }
}
