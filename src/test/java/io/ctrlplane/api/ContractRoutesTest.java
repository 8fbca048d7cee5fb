package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.openapi.contract.Operation;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("The OpenAPI document and the router describe the same API")
class ContractRoutesTest {
  private Vertx vertx;
  private ApiContract contract;
  private Router router;

  @BeforeAll
  void build() {
    vertx = Vertx.vertx();
    contract = Await.result(ApiContract.load(vertx));
    // the pool and Kafka settings are only used when a health check runs, never here
    router =
        ApiRouter.create(
            vertx,
            contract,
            new HealthRoutes(vertx, null, null),
            new ApiRouter.Security(
                new io.ctrlplane.security.Authenticator(
                    null, io.ctrlplane.config.AppConfig.Security.defaults()),
                null,
                RefusalAudit.disabled()),
            new io.ctrlplane.watch.WatchHub(
                vertx,
                new io.vertx.pgclient.PgConnectOptions(),
                15_000,
                1000,
                keys -> io.vertx.core.Future.succeededFuture(java.util.Set.of())));
  }

  @AfterAll
  void close() {
    Await.result(vertx.close());
  }

  /** "POST /v1/instances/{id}/deployments" for every route with an exact path and methods. */
  private Set<String> routed() {
    Set<String> out = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() == null || !route.isExactPath() || route.methods() == null) {
        continue; // body handler (/v1/*), the contract gate, the failure handler
      }
      String path = route.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
      route.methods().forEach(m -> out.add(m.name() + " " + path));
    }
    return out;
  }

  private Set<String> documented() {
    Set<String> out = new TreeSet<>();
    contract
        .contract()
        .operations()
        .forEach(o -> out.add(o.getHttpMethod().name() + " " + o.getOpenAPIPath()));
    return out;
  }

  @Test
  @DisplayName("every route in the router is documented, and every documented operation is routed")
  void sameRoutes() {
    Set<String> routed = routed();
    assertThat(routed).as("routes found in the router").hasSizeGreaterThan(20);
    assertThat(documented()).as("documented but not routed").containsAll(routed);
    assertThat(routed).as("routed but not documented").containsAll(documented());
  }

  @Test
  @DisplayName("every operation has an id, problem+json errors, and a Location on 201/202")
  void operationsAreComplete() {
    JsonObject paths = contract.raw().getJsonObject("paths");
    for (Operation op : contract.contract().operations()) {
      JsonObject raw =
          paths
              .getJsonObject(op.getOpenAPIPath())
              .getJsonObject(op.getHttpMethod().name().toLowerCase());
      JsonObject responses = resolve(raw.getJsonObject("responses"));
      String name = op.getOperationId();
      assertThat(name).isNotBlank();
      for (String status : responses.fieldNames()) {
        JsonObject response = resolve(responses.getJsonObject(status));
        JsonObject content = response.getJsonObject("content", new JsonObject());
        if (status.startsWith("4") || status.startsWith("5") && !status.equals("503")) {
          assertThat(content.fieldNames())
              .as("%s %s", name, status)
              .containsExactly("application/problem+json");
        }
        if (status.equals("201") || status.equals("202")) {
          assertThat(response.getJsonObject("headers").fieldNames())
              .as("%s %s", name, status)
              .contains("Location");
        }
      }
      if (op.getRequestBody() != null) {
        assertThat(responses.fieldNames()).as("%s refuses a bad body", name).contains("422", "415");
      }
      if (op.getParameters().stream().anyMatch(p -> p.getName().equals("limit"))) {
        assertThat(responses.fieldNames()).as("%s refuses a bad limit", name).contains("400");
      }
    }
  }

  /** Follows a local $ref, e.g. "#/components/responses/NotFound". */
  private JsonObject resolve(JsonObject node) {
    String ref = node.getString("$ref");
    if (ref == null) {
      return node;
    }
    JsonObject at = contract.raw();
    for (String segment : ref.substring(2).split("/")) {
      at = at.getJsonObject(segment);
    }
    return at;
  }
}
