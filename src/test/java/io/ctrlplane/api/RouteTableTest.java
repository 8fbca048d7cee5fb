package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.security.Scope;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The route table")
class RouteTableTest {
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @Test
  @DisplayName("matches a request to its route and finds the id in its path")
  void match() {
    RouteTable.Entry e =
        RouteTable.match(HttpMethod.POST, "/v1/deployments/dep_1/cancel").orElseThrow();
    assertThat(e.scope()).isEqualTo(Scope.DEPLOY);
    assertThat(e.action()).isEqualTo("deployment.cancel");
    assertThat(e.idIn("/v1/deployments/dep_1/cancel")).isEqualTo("dep_1");
    assertThat(
            RouteTable.match(HttpMethod.GET, "/v1/instances/inst_1/fleet/timeline")
                .orElseThrow()
                .action())
        .isEqualTo("fleet.timeline");
    assertThat(RouteTable.match(HttpMethod.PUT, "/v1/instances")).isEmpty();
    assertThat(RouteTable.match(HttpMethod.GET, "/v1/instances/a/b")).isEmpty();
  }

  @Test
  @DisplayName(
      "gives every mutating route a deploy or admin scope, and keys, webhooks and audit admin")
  void scopes() {
    for (RouteTable.Entry e : RouteTable.ALL) {
      if (e.mutating()) {
        assertThat(e.scope()).as(e.method() + " " + e.path()).isNotEqualTo(Scope.READ);
      }
      if (e.path().startsWith("/v1/api-keys")
          || e.path().startsWith("/v1/webhooks")
          || e.path().startsWith("/v1/audit")) {
        assertThat(e.scope()).as(e.method() + " " + e.path()).isEqualTo(Scope.ADMIN);
      }
    }
  }

  @Test
  @DisplayName(
      "agrees with the OpenAPI document: each operation's x-scope, its 401 and 403, the bearer scheme")
  void documented() {
    ApiContract contract = io.ctrlplane.testing.Await.result(ApiContract.load(vertx));
    io.vertx.core.json.JsonObject paths = contract.raw().getJsonObject("paths");
    assertThat(
            contract
                .raw()
                .getJsonObject("components")
                .getJsonObject("securitySchemes")
                .getJsonObject("bearerAuth")
                .getString("scheme"))
        .isEqualTo("bearer");
    for (RouteTable.Entry e : RouteTable.ALL) {
      String path = e.path().replaceAll(":([a-z_]+)", "{$1}");
      io.vertx.core.json.JsonObject op =
          paths.getJsonObject(path).getJsonObject(e.method().name().toLowerCase());
      assertThat(op.getString("x-scope")).as(e.method() + " " + path).isEqualTo(e.scope().wire());
      assertThat(op.getJsonObject("responses").fieldNames())
          .as(e.method() + " " + path)
          .contains("401", "403");
      assertThat(op.containsKey("security"))
          .as("%s %s keeps the global bearer requirement", e.method(), path)
          .isFalse();
    }
    assertThat(paths.getJsonObject("/health/live").getJsonObject("get").getJsonArray("security"))
        .isEmpty();
  }

  @Test
  @DisplayName("stops the API from starting with a /v1 route it does not list")
  void verify() {
    Router router = Router.router(vertx);
    router.get("/v1/instances").handler(ctx -> ctx.end());
    RouteTable.verify(router);
    router.post("/v1/instances/:id/scale").handler(ctx -> ctx.end());
    assertThatThrownBy(() -> RouteTable.verify(router))
        .hasMessageContaining("POST /v1/instances/:id/scale");
  }
}
