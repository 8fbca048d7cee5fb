package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The contract gate on its own: a router with the validation handler in front of a handler that
 * only answers "passed", so each case shows what the OpenAPI document lets through and what it
 * refuses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Requests are checked against the OpenAPI document")
class ContractValidationTest {
  private Vertx vertx;
  private HttpServer server;
  private ApiClient api;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    ApiContract contract = Await.result(ApiContract.load(vertx));
    Router router = Router.router(vertx);
    router.post("/v1/*").handler(BodyHandler.create(false).setBodyLimit(ApiRouter.MAX_BODY_BYTES));
    router.route().handler(new ContractValidation(contract, ApiRouter.domainRules()));
    router
        .route()
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "application/json")
                    .end(new JsonObject().put("passed", true).encode()));
    Errors.mount(router, RefusalAudit.disabled());
    server = Await.result(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    api = new ApiClient(vertx, server.actualPort());
  }

  @AfterAll
  void stop() {
    api.close();
    Await.result(vertx.close());
  }

  private ApiClient.Response deploy(JsonObject body) {
    return api.post("/v1/instances/inst_x/deployments", body);
  }

  private static JsonArray errors(ApiClient.Response r) {
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.contentType()).isEqualTo("application/problem+json");
    return r.json().getJsonArray("errors");
  }

  private static List<String> fields(ApiClient.Response r) {
    return errors(r).stream().map(o -> ((JsonObject) o).getString("field")).toList();
  }

  @Test
  @DisplayName("a valid deploy body passes to the handler")
  void validPasses() {
    ApiClient.Response r =
        deploy(
            new JsonObject()
                .put("image", "acme/web:1")
                .put("strategy", "canary")
                .put("env", new JsonObject().put("FOO", "bar"))
                .put("notes", "n")
                .put("commit_sha", "abcdef1"));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getBoolean("passed")).isTrue();
  }

  @Test
  @DisplayName(
      "a body over 64 KiB is checked off the event loop with the same outcome: 422 on its field, or passed")
  void bigBodies() {
    String big = "x".repeat(100_000);
    ApiClient.Response refused =
        deploy(new JsonObject().put("image", "acme/web:1").put("notes", big));
    assertThat(fields(refused)).containsExactly("notes");

    JsonObject env = new JsonObject();
    for (int i = 0; i < 40; i++) {
      env.put("VAR_" + i, "y".repeat(2_000));
    }
    ApiClient.Response passed = deploy(new JsonObject().put("image", "acme/web:1").put("env", env));
    assertThat(passed.status()).as(passed.text()).isEqualTo(200);
  }

  @Test
  @DisplayName("every schema violation of a body is reported at once, each on its field")
  void everyViolationAtOnce() {
    ApiClient.Response r =
        deploy(
            new JsonObject()
                .put("image", 5)
                .put("colour", "red")
                .put("env", new JsonObject().put("9X", "a").put("OK", 3))
                .put("commit_sha", "xyz")
                .put("strategy", "sideways")
                .put("notes", "x".repeat(4097)));
    assertThat(fields(r))
        .containsExactlyInAnyOrder(
            "image", "colour", "env.9X", "env.OK", "commit_sha", "strategy", "notes");
    assertThat(r.json().getString("detail")).isEqualTo("7 fields are invalid");
    Map<String, String> byField = new java.util.HashMap<>();
    errors(r)
        .forEach(
            o ->
                byField.put(
                    ((JsonObject) o).getString("field"), ((JsonObject) o).getString("message")));
    // where a domain rule says more (what it got), its message is the one shown
    assertThat(byField)
        .containsEntry("image", "must be a string")
        .containsEntry("env.OK", "value must be a string, not a number")
        .containsEntry("commit_sha", "must be 7 to 64 hexadecimal characters (got 'xyz')")
        .containsEntry(
            "strategy",
            "unknown strategy 'sideways': expected one of rolling, blue-green, canary, recreate")
        .containsEntry("notes", "must be at most 4096 bytes in UTF-8 (got 4097)")
        .containsEntry(
            "env.9X",
            "name must start with a letter or '_' and contain only letters, digits and '_'");
    assertThat(byField.get("colour"))
        .startsWith("unknown field; expected some of [commit_sha, env, image");
  }

  @Test
  @DisplayName("a missing or empty body reports the required fields")
  void requiredFields() {
    assertThat(errors(deploy(new JsonObject())))
        .containsExactly(new JsonObject().put("field", "image").put("message", "is required"));
    ApiClient.Response none =
        api.send(HttpMethod.POST, "/v1/instances/inst_x/deployments", null, Map.of());
    assertThat(fields(none)).containsExactly("image");
  }

  @Test
  @DisplayName("nested paths are spelled with dots and [index]")
  void nestedPaths() {
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "app")
                .put(
                    "provider_config",
                    new JsonObject()
                        .put(
                            "faults",
                            new JsonArray()
                                .add(
                                    new JsonObject().put("image", "*:bad").put("error_rate", 2)))));
    assertThat(errors(r))
        .containsExactly(
            new JsonObject()
                .put("field", "provider_config.faults[0].error_rate")
                .put("message", "must be a number from 0 to 1"));
    ApiClient.Response hooks =
        api.post(
            "/v1/webhooks",
            new JsonObject()
                .put("url", "https://h.example")
                .put("event_types", new JsonArray().add("deploy.started").add("deploy.exploded")));
    assertThat(fields(hooks)).containsExactly("event_types[1]");
  }

  @Test
  @DisplayName(
      "limits: 257 env vars, a value over 32 KiB, a too-long name and an out-of-range replica count")
  void limits() {
    JsonObject env = new JsonObject();
    for (int i = 0; i < 257; i++) {
      env.put("V" + i, "x");
    }
    assertThat(errors(deploy(new JsonObject().put("image", "a").put("env", env))))
        .containsExactly(
            new JsonObject()
                .put("field", "env")
                .put("message", "must have at most 256 entries (got 257)"));
    assertThat(
            errors(
                deploy(
                    new JsonObject()
                        .put("image", "a")
                        .put("env", new JsonObject().put("BIG", "x".repeat(32 * 1024 + 1))))))
        .containsExactly(
            new JsonObject()
                .put("field", "env.BIG")
                .put("message", "value must be at most 32768 bytes in UTF-8 (got 32769)"));
    assertThat(
            fields(
                api.post(
                    "/v1/instances", new JsonObject().put("name", "App_1").put("replicas", 0))))
        .containsExactlyInAnyOrder("name", "replicas");
    assertThat(
            errors(
                api.post("/v1/instances", new JsonObject().put("name", "a").put("replicas", 1.5))))
        .containsExactly(
            new JsonObject().put("field", "replicas").put("message", "must be a whole number"));
  }

  @Test
  @DisplayName("messages say what would be accepted, whichever layer found the problem")
  void messagesSayWhatIsAccepted() {
    assertThat(
            errors(
                api.post(
                    "/v1/webhooks",
                    new JsonObject()
                        .put("url", "https://h.example")
                        .put("event_types", new JsonArray()))))
        .extracting(o -> ((JsonObject) o).getString("message"))
        .containsExactly(
            "must be a non-empty array of event types, some of [deploy.queued, deploy.started, "
                + "deploy.progressed, deploy.succeeded, deploy.failed, deploy.cancelled, deploy.rolled_back, deploy.analysis, "
                + "deploy.approval_requested, deploy.approved, deploy.rejected]");
    assertThat(errors(api.post("/v1/deployments/dep_x/pause", new JsonObject().put("now", true))))
        .containsExactly(new JsonObject().put("field", "now").put("message", "unknown field"));
    assertThat(
            errors(
                api.post(
                    "/v1/instances",
                    new JsonObject()
                        .put("name", "ok")
                        .put(
                            "provider_config",
                            new JsonObject()
                                .put(
                                    "faults",
                                    new JsonArray()
                                        .add(
                                            new JsonObject()
                                                .put("image", "*")
                                                .put("error_rate", 0.1)
                                                .put("crash_after_seconds", 0)))))))
        .containsExactly(
            new JsonObject()
                .put("field", "provider_config.faults[0].crash_after_seconds")
                .put("message", "must be a number from more than 0 to 86400"));
  }

  @Test
  @DisplayName("bad limit values are a 400 naming the parameter")
  void limitParameter() {
    for (String limit : List.of("0", "101", "abc", "-1", "1.5")) {
      ApiClient.Response r = api.get("/v1/instances/inst_x/releases?limit=" + limit);
      assertThat(r.status()).as("limit=%s: %s", limit, r.text()).isEqualTo(400);
      assertThat(r.contentType()).isEqualTo("application/problem+json");
      assertThat(r.json().getJsonArray("errors"))
          .containsExactly(
              new JsonObject()
                  .put("field", "limit")
                  .put("message", "must be a whole number from 1 to 100"));
    }
    assertThat(api.get("/v1/instances/inst_x/releases?limit=100").status()).isEqualTo(200);
    assertThat(api.get("/v1/events?limit=1000").status()).isEqualTo(200);
    assertThat(api.get("/v1/events?limit=1001").status()).isEqualTo(400);
  }

  @Test
  @DisplayName("a too-long Idempotency-Key is a 400 naming the header")
  void idempotencyKeyHeader() {
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject().put("name", "a").encode(),
            Map.of("content-type", "application/json", "Idempotency-Key", "k".repeat(256)));
    assertThat(r.status()).as(r.text()).isEqualTo(400);
    assertThat(r.json().getJsonArray("errors").getJsonObject(0).getString("field"))
        .isEqualTo("Idempotency-Key");
  }

  @Test
  @DisplayName(
      "malformed JSON and a body that is not an object are 400; a body that is not JSON is 415")
  void notJson() {
    ApiClient.Response broken =
        api.post("/v1/instances", "{\"name\": ", Map.of("content-type", "application/json"));
    assertThat(broken.status()).isEqualTo(400);
    assertThat(broken.json().getString("title")).isEqualTo("Malformed JSON");
    ApiClient.Response array =
        api.post("/v1/instances", "[1]", Map.of("content-type", "application/json"));
    assertThat(array.status()).isEqualTo(400);
    ApiClient.Response form =
        api.post(
            "/v1/instances", "name=a", Map.of("content-type", "application/x-www-form-urlencoded"));
    assertThat(form.status()).as(form.text()).isEqualTo(415);
    assertThat(form.contentType()).isEqualTo("application/problem+json");
    ApiClient.Response charset =
        api.post(
            "/v1/instances",
            "{\"name\": \"a\"}",
            Map.of("content-type", "Application/JSON; charset=UTF-8"));
    assertThat(charset.status()).as(charset.text()).isEqualTo(200);
  }

  @Test
  @DisplayName("a body over 1 MiB is a 413 problem")
  void tooLarge() {
    String big = new JsonObject().put("image", "a").put("notes", "x".repeat(1024 * 1024)).encode();
    ApiClient.Response r =
        api.post(
            "/v1/instances/inst_x/deployments", big, Map.of("content-type", "application/json"));
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.contentType()).isEqualTo("application/problem+json");
  }

  @Test
  @DisplayName("a method the document does not list for a path is a 405 with Allow")
  void wrongMethod() {
    ApiClient.Response r = api.send(HttpMethod.DELETE, "/v1/instances", null, Map.of());
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.contentType()).isEqualTo("application/problem+json");
    assertThat(r.json().getString("detail")).contains("allowed: GET, POST");
    assertThat(api.send(HttpMethod.PUT, "/v1/deployments/dep_x", "{}", Map.of()).status())
        .isEqualTo(405);
    assertThat(api.send(HttpMethod.POST, "/health/live", null, Map.of()).status()).isEqualTo(405);
  }

  @Test
  @DisplayName("commands without a body accept none, {} or only their own fields")
  void commandBodies() {
    assertThat(api.post("/v1/deployments/dep_x/cancel", null).status()).isEqualTo(200);
    assertThat(api.post("/v1/deployments/dep_x/cancel", new JsonObject()).status()).isEqualTo(200);
    assertThat(fields(api.post("/v1/deployments/dep_x/pause", new JsonObject().put("now", true))))
        .containsExactly("now");
    assertThat(
            api.post("/v1/deployments/dep_x/promote", new JsonObject().put("full", true)).status())
        .isEqualTo(200);
    assertThat(
            errors(api.post("/v1/deployments/dep_x/promote", new JsonObject().put("full", "yes"))))
        .containsExactly(
            new JsonObject().put("field", "full").put("message", "must be true or false"));
  }
}
