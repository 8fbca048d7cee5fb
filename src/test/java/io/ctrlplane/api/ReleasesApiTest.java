package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Sql;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP contract of instances, deployments and releases against a real server and PostgreSQL:
 * every response is held to the OpenAPI document (status, schema, snake_case, RFC 3339 UTC times).
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("The releases API keeps its contract")
class ReleasesApiTest {
  private static final AtomicInteger NAMES = new AtomicInteger();

  /** Replicas that never become ready: deployments stay running, so nothing here races a runner. */
  private static final JsonObject STUCK =
      new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 3_600_000);

  private ApiClient api;
  private Sql sql;
  private String instanceId;

  @BeforeAll
  void start(ApiClient client, Sql sql) {
    api = client.checked();
    this.sql = sql;
    instanceId = instance(STUCK);
  }

  private String instance(JsonObject providerConfig) {
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "api-" + NAMES.incrementAndGet())
                .put("replicas", 1)
                .put("provider_config", providerConfig));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json().getString("id");
  }

  /**
   * Rows of every table a command writes, to prove a refused request wrote nothing. Of the outbox,
   * the events commands write: a runner may append its own (deploy.started) at any moment.
   */
  private List<Long> rowCounts() {
    return Stream.of(
            "instances",
            "releases",
            "deployments",
            "outbox WHERE type IN ('deploy.queued', 'deploy.cancelled')",
            "idempotency_keys")
        .map(t -> sql.count("SELECT count(*) FROM " + t))
        .toList();
  }

  @Test
  @DisplayName("serves its OpenAPI 3.1 document at /openapi.yaml as application/yaml")
  void servesTheDocument(Vertx vertx) {
    ApiClient.Response r = api.get("/openapi.yaml");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("application/yaml");
    String onDisk =
        vertx.fileSystem().readFileBlocking(ApiContract.RESOURCE).toString(StandardCharsets.UTF_8);
    assertThat(r.text()).isEqualTo(onDisk).startsWith("openapi: 3.1.0");
  }

  @Test
  @DisplayName("creating an instance answers 201 with a Location that serves the same instance")
  void createInstance() {
    ApiClient.Response created =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "created-here")
                .put("replicas", 3)
                .put("default_strategy", "blue-green"));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.location()).isEqualTo("/v1/instances/" + created.json().getString("id"));
    JsonObject instance = api.get(created.location()).json();
    assertThat(instance).isEqualTo(created.json());
    assertThat(
            instance
                .getJsonObject("default_strategy_params")
                .getInteger("scale_down_delay_seconds"))
        .isEqualTo(30);
    assertThat(instance.getValue("current_release")).isNull();
    assertThat(Instant.parse(instance.getString("created_at"))).isBeforeOrEqualTo(Instant.now());
    assertThat(
            api.get("/v1/instances?limit=100").json().getJsonArray("items").stream()
                .map(o -> ((JsonObject) o).getString("id")))
        .contains(instance.getString("id"));
    ApiClient.Response duplicate =
        api.post("/v1/instances", new JsonObject().put("name", "created-here"));
    assertThat(duplicate.status()).isEqualTo(409);
  }

  @Test
  @DisplayName(
      "a deploy answers 202 with a Location; the release, lists and deployment all keep the contract")
  void deployAndReadBack() {
    ApiClient.Response accepted =
        api.post(
            "/v1/instances/" + instanceId + "/deployments",
            new JsonObject()
                .put("image", "registry.example.com/acme/web:1.0")
                .put("env", new JsonObject().put("GREETING", "hi"))
                .put("notes", "first")
                .put("commit_sha", "ABCDEF1234"));
    assertThat(accepted.status()).isEqualTo(202);
    JsonObject deployment = accepted.json();
    assertThat(accepted.location()).isEqualTo("/v1/deployments/" + deployment.getString("id"));
    assertThat(deployment.getString("kind")).isEqualTo("deploy");
    assertThat(deployment.getString("state")).isIn("pending", "running");
    assertThat(deployment.getString("strategy")).isEqualTo("rolling");

    JsonObject release =
        api.get("/v1/releases/" + deployment.getJsonObject("release").getString("id")).json();
    assertThat(release.getString("image")).isEqualTo("registry.example.com/acme/web:1.0");
    assertThat(release.getJsonObject("env").getMap()).isEqualTo(Map.of("GREETING", "hi"));
    assertThat(release.getString("commit_sha")).isEqualTo("abcdef1234");
    assertThat(release.getString("notes")).isEqualTo("first");
    assertThat(api.get(accepted.location()).json().getString("id"))
        .isEqualTo(deployment.getString("id"));
    assertThat(api.get("/v1/instances/" + instanceId + "/releases").json().getJsonArray("items"))
        .isNotEmpty();
    assertThat(api.get("/v1/instances/" + instanceId + "/deployments").json().getJsonArray("items"))
        .isNotEmpty();
  }

  @Test
  @DisplayName(
      "the fleet, timeline, event log, webhooks, health and metrics responses keep the contract too")
  void otherResources() {
    String fast = instance(new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 0));
    String id =
        api.post("/v1/instances/" + fast + "/deployments", deploy("acme/web:1"))
            .json()
            .getString("id");
    Await.until(
        Duration.ofSeconds(30),
        "deployment succeeded",
        () ->
            "succeeded".equals(api.get("/v1/deployments/" + id).json().getString("state"))
                ? true
                : null);
    assertThat(api.get("/v1/instances/" + fast + "/fleet").json().getJsonArray("replicas"))
        .hasSize(1);
    assertThat(
            api.get("/v1/instances/" + fast + "/fleet/timeline?limit=3")
                .json()
                .getJsonArray("items"))
        .hasSize(3);
    Await.until(
        Duration.ofSeconds(30),
        "events in the log",
        () -> api.get("/v1/events?limit=5").json().getJsonArray("items").isEmpty() ? null : true);
    ApiClient.Response hook =
        api.post("/v1/webhooks", new JsonObject().put("url", "https://hooks.example.com/x"));
    assertThat(hook.status()).isEqualTo(201);
    assertThat(hook.location()).isEqualTo("/v1/webhooks/" + hook.json().getString("id"));
    assertThat(api.get("/v1/webhooks").status()).isEqualTo(200);
    assertThat(api.get(hook.location()).json().getString("secret")).isEqualTo("********");
    assertThat(api.get(hook.location() + "/deliveries").status()).isEqualTo(200);
    assertThat(api.send(HttpMethod.DELETE, hook.location()).status()).isEqualTo(204);
    assertThat(api.get("/health/live").json().getString("status")).isEqualTo("UP");
    // the stack is healthy: ready, once its checks have run (a deadline, not a tolerance of 503)
    Await.until(
        Duration.ofSeconds(30),
        "/health/ready to answer 200",
        () -> api.get("/health/ready").status() == 200 ? true : null);
    assertThat(api.get("/metrics").text()).contains("vertx_http_server_requests_total");
    assertThat(api.post("/v1/deployments/" + id + "/pause", new JsonObject()).status())
        .isEqualTo(409);
  }

  @Test
  @DisplayName("unknown ids are 404 problems, for reads and for commands")
  void unknownIds() {
    for (String path :
        List.of(
            "/v1/instances/inst_nope",
            "/v1/deployments/dep_nope",
            "/v1/releases/rel_nope",
            "/v1/instances/inst_nope/releases",
            "/v1/instances/inst_nope/deployments",
            "/v1/instances/inst_nope/fleet",
            "/v1/webhooks/whk_nope")) {
      ApiClient.Response r = api.get(path);
      assertThat(r.status()).as(path).isEqualTo(404);
      assertThat(r.json().getString("detail")).as(path).contains("nope");
    }
    List<Long> before = rowCounts();
    assertThat(
            api.post(
                    "/v1/instances/inst_nope/deployments",
                    new JsonObject().put("image", "a"),
                    "k-404")
                .status())
        .isEqualTo(404);
    assertThat(
            api.post("/v1/instances/inst_nope/rollback", new JsonObject().put("version", 1))
                .status())
        .isEqualTo(404);
    assertThat(api.post("/v1/deployments/dep_nope/cancel", new JsonObject()).status())
        .isEqualTo(404);
    assertThat(api.post("/v1/deployments/dep_nope/pause", new JsonObject()).status())
        .isEqualTo(404);
    List<Long> after = rowCounts();
    assertThat(after.subList(0, 4))
        .as("a refused command writes no instance, release, deployment or event")
        .isEqualTo(before.subList(0, 4));
    // issue 21: a refusal is kept under its Idempotency-Key like a success, so a retry is answered
    // the
    // same and runs nothing again; the commands sent without a key leave no key row
    assertThat(after.get(4))
        .as("exactly one key row: the refused command sent with Idempotency-Key k-404")
        .isEqualTo(before.get(4) + 1);
    assertThat(
            sql.count(
                "SELECT count(*) FROM idempotency_keys WHERE key = 'k-404' AND state = 'done'"
                    + " AND status = 404"))
        .isEqualTo(1);
    ApiClient.Response retry =
        api.post(
            "/v1/instances/inst_nope/deployments", new JsonObject().put("image", "a"), "k-404");
    assertThat(retry.status()).as("the retry gets the stored refusal").isEqualTo(404);
    assertThat(rowCounts()).as("and writes nothing more").isEqualTo(after);
    ApiClient.Response route = api.raw().get("/v1/nothing-here");
    assertThat(route.status()).isEqualTo(404);
    assertThat(route.contentType()).isEqualTo("application/problem+json");
  }

  @Test
  @DisplayName("a method a path does not support is a 405 problem with Allow")
  void wrongMethods() {
    String dep =
        api.post("/v1/instances/" + instanceId + "/deployments", new JsonObject().put("image", "a"))
            .json()
            .getString("id");
    record Case(HttpMethod method, String path, String allow) {}
    for (Case c :
        List.of(
            new Case(HttpMethod.PUT, "/v1/instances/" + instanceId, "DELETE, GET, PATCH"),
            new Case(HttpMethod.PUT, "/v1/deployments/" + dep, "GET"),
            new Case(HttpMethod.GET, "/v1/deployments/" + dep + "/cancel", "POST"),
            new Case(HttpMethod.PATCH, "/v1/instances", "GET, POST"),
            new Case(HttpMethod.DELETE, "/v1/releases/rel_x", "GET"),
            new Case(HttpMethod.POST, "/health/ready", "GET"))) {
      ApiClient.Response r = api.raw().send(c.method(), c.path(), null, Map.of());
      assertThat(r.status()).as("%s %s", c.method(), c.path()).isEqualTo(405);
      assertThat(r.contentType()).isEqualTo("application/problem+json");
      assertThat(r.header("Allow")).isEqualTo(c.allow());
      assertThat(r.json().getInteger("status")).isEqualTo(405);
    }
  }

  @Test
  @DisplayName(
      "malformed JSON is a 400, a body that is not JSON a 415, one over 1 MiB a 413; none writes anything")
  void unreadableBodies() {
    List<Long> before = rowCounts();
    String path = "/v1/instances/" + instanceId + "/deployments";
    ApiClient.Response broken =
        api.post(path, "{\"image\": \"a\",", Map.of("content-type", "application/json"));
    assertThat(broken.status()).isEqualTo(400);
    assertThat(broken.json().getString("title")).isEqualTo("Malformed JSON");
    assertThat(api.post(path, "\"a string\"", Map.of("content-type", "application/json")).status())
        .isEqualTo(400);
    assertThat(api.post(path, "image=a", Map.of("content-type", "text/plain")).status())
        .isEqualTo(415);
    String huge = new JsonObject().put("image", "a").put("notes", "x".repeat(1024 * 1024)).encode();
    ApiClient.Response tooLarge = api.post(path, huge, Map.of("content-type", "application/json"));
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(tooLarge.json().getString("detail")).contains("1 MiB");
    assertThat(rowCounts()).isEqualTo(before);
  }

  static Stream<Arguments> invalidDeploys() {
    JsonObject tooMany = new JsonObject();
    for (int i = 0; i < 257; i++) {
      tooMany.put("VAR_" + i, "v");
    }
    return Stream.of(
        Arguments.of("no image", new JsonObject(), "image"),
        Arguments.of("an image that breaks the reference grammar", deploy("Acme/Web:1"), "image"),
        Arguments.of("an image with two tags", deploy("acme/web:1:2"), "image"),
        Arguments.of("an image that is not a string", new JsonObject().put("image", 42), "image"),
        Arguments.of("257 env vars", deploy("a").put("env", tooMany), "env"),
        Arguments.of(
            "an env value of 32 KiB + 1 byte in UTF-8",
            deploy("a").put("env", new JsonObject().put("BIG", "é".repeat(16_384) + "x")),
            "env.BIG"),
        Arguments.of(
            "an env name that is not portable",
            deploy("a").put("env", new JsonObject().put("MY-VAR", "1")),
            "env.MY-VAR"),
        Arguments.of(
            "an env value that is not a string",
            deploy("a").put("env", new JsonObject().put("N", 1)),
            "env.N"),
        Arguments.of(
            "an env value with NUL",
            deploy("a").put("env", new JsonObject().put("N", "a\u0000b")),
            "env.N"),
        Arguments.of(
            "notes of 4 KiB + 1 byte in UTF-8",
            deploy("a").put("notes", "é".repeat(2048) + "x"),
            "notes"),
        Arguments.of(
            "a commit_sha of 6 hex digits", deploy("a").put("commit_sha", "abcdef"), "commit_sha"),
        Arguments.of(
            "a commit_sha of 65 hex digits",
            deploy("a").put("commit_sha", "a".repeat(65)),
            "commit_sha"),
        Arguments.of(
            "a commit_sha that is not hex", deploy("a").put("commit_sha", "ghijklm"), "commit_sha"),
        Arguments.of("an unknown field", deploy("a").put("replicas", 3), "replicas"),
        Arguments.of("an unknown strategy", deploy("a").put("strategy", "big-bang"), "strategy"),
        Arguments.of(
            "a strategy parameter out of range",
            deploy("a")
                .put("strategy", "rolling")
                .put("strategy_params", new JsonObject().put("max_surge", "200%")),
            "strategy_params.max_surge"),
        Arguments.of(
            "canary weights going down",
            deploy("a")
                .put("strategy", "canary")
                .put(
                    "strategy_params",
                    new JsonObject()
                        .put(
                            "steps",
                            new JsonArray()
                                .add(new JsonObject().put("set_weight", 50))
                                .add(new JsonObject().put("set_weight", 20)))),
            "strategy_params.steps[1].set_weight"));
  }

  private static JsonObject deploy(String image) {
    return new JsonObject().put("image", image);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidDeploys")
  @DisplayName("every deploy rule answers 422 naming the field, and writes nothing")
  void invalidDeployWritesNothing(String what, JsonObject body, String field) {
    List<Long> before = rowCounts();
    ApiClient.Response r =
        api.post("/v1/instances/" + instanceId + "/deployments", body, "key-" + what);
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.json().getString("title")).isEqualTo("Invalid request");
    assertThat(
            r.json().getJsonArray("errors").stream().map(o -> ((JsonObject) o).getString("field")))
        .as(r.text())
        .contains(field);
    assertThat(rowCounts()).isEqualTo(before);
  }

  static Stream<Arguments> invalidOthers() {
    return Stream.of(
        Arguments.of(
            "an instance name that is not a DNS label",
            "/v1/instances",
            new JsonObject().put("name", "Not_A_Label"),
            "name"),
        Arguments.of(
            "0 replicas",
            "/v1/instances",
            new JsonObject().put("name", "zero").put("replicas", 0),
            "replicas"),
        Arguments.of(
            "an unknown provider",
            "/v1/instances",
            new JsonObject().put("name", "p").put("provider", "k8s"),
            "provider"),
        Arguments.of(
            "a provider setting that does not exist",
            "/v1/instances",
            new JsonObject()
                .put("name", "p")
                .put("provider_config", new JsonObject().put("speed", 2)),
            "provider_config.speed"),
        Arguments.of(
            "a rollback naming neither release_id nor version",
            "ROLLBACK",
            new JsonObject(),
            "release_id"),
        Arguments.of(
            "a rollback naming both",
            "ROLLBACK",
            new JsonObject().put("version", 1).put("release_id", "rel_x"),
            "release_id"),
        Arguments.of(
            "a rollback to version 0", "ROLLBACK", new JsonObject().put("version", 0), "version"),
        Arguments.of(
            "a cancel with a body field", "CANCEL", new JsonObject().put("force", true), "force"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidOthers")
  @DisplayName(
      "every instance, rollback and cancel rule answers 422 naming the field, and writes nothing")
  void invalidCommandWritesNothing(String what, String path, JsonObject body, String field) {
    String target =
        switch (path) {
          case "ROLLBACK" -> "/v1/instances/" + instanceId + "/rollback";
          case "CANCEL" -> "/v1/deployments/dep_any/cancel";
          default -> path;
        };
    List<Long> before = rowCounts();
    ApiClient.Response r = api.post(target, body);
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(
            r.json().getJsonArray("errors").stream().map(o -> ((JsonObject) o).getString("field")))
        .as(r.text())
        .contains(field);
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  @DisplayName(
      "the limits themselves are accepted: 256 env vars, a 32 KiB value, 4 KiB of notes, 7 and 64 hex digits")
  void limitsAreInclusive() {
    JsonObject env = new JsonObject();
    for (int i = 0; i < 255; i++) {
      env.put("VAR_" + i, "v");
    }
    env.put("BIG", "é".repeat(16_384));
    String path = "/v1/instances/" + instanceId + "/deployments";
    assertThat(
            api.post(
                    path,
                    deploy("a")
                        .put("env", env)
                        .put("notes", "é".repeat(2048))
                        .put("commit_sha", "abcdef0"))
                .status())
        .isEqualTo(202);
    ApiClient.Response longSha = api.post(path, deploy("a").put("commit_sha", "F".repeat(64)));
    assertThat(longSha.status()).isEqualTo(202);
  }

  @Test
  @DisplayName(
      "list limits: 0, 101 and abc are 400 problems naming limit; a forged cursor is a 400 naming cursor")
  void listLimits() {
    for (String list :
        List.of(
            "/v1/instances",
            "/v1/instances/" + instanceId + "/releases",
            "/v1/instances/" + instanceId + "/deployments")) {
      for (String limit : List.of("0", "101", "abc")) {
        ApiClient.Response r = api.get(list + "?limit=" + limit);
        assertThat(r.status()).as("%s?limit=%s", list, limit).isEqualTo(400);
        assertThat(r.json().getJsonArray("errors").getJsonObject(0).getString("field"))
            .isEqualTo("limit");
      }
      assertThat(api.get(list + "?limit=1").status()).isEqualTo(200);
      assertThat(api.get(list + "?limit=100").status()).isEqualTo(200);
      ApiClient.Response forged = api.get(list + "?cursor=bm90LWEtY3Vyc29y");
      assertThat(forged.status()).isEqualTo(400);
      assertThat(forged.json().getJsonArray("errors").getJsonObject(0).getString("field"))
          .isEqualTo("cursor");
    }
  }
}
