package io.ctrlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.LogCapture;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TestStack;
import io.ctrlplane.testing.TopicReader;
import io.ctrlplane.testing.WebhookReceiver;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The secret canary: a deploy carries a unique secret value through a rollout, a second deploy, a
 * rollback that brings it back and a few refused requests; afterwards the value appears in no API
 * response, no log line, no Kafka event, no webhook body and no database column but the one that
 * holds it encrypted, while the provider was handed the variable and the sealed value still
 * decrypts.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(roles = "api,runner,relay,webhooks")
@DisplayName("A secret_env value")
class SecretCanaryTest {
  private static final String CANARY = "canary" + UUID.randomUUID().toString().replace("-", "");

  private AppConfig config;
  private LogCapture logs;
  private ApiClient api;
  private Sql sql;
  private WebhookReceiver receiver;
  private final List<ApiClient.Response> responses = new CopyOnWriteArrayList<>();
  private String instance;
  private String v1;
  private String rollback;

  @BeforeAll
  void start(Vertx vertx, AppConfig config, ApiClient api, Sql sql) {
    logs = LogCapture.start();
    this.config = config;
    this.api = api;
    api.onResponse(responses::add);
    this.sql = sql;
    receiver = WebhookReceiver.start(vertx);
    assertThat(api.post("/v1/webhooks", new JsonObject().put("url", receiver.url("/all"))).status())
        .isEqualTo(201);
    scenario();
  }

  @AfterAll
  void stop() {
    receiver.close();
    logs.close();
  }

  /**
   * Deploy v1 with the secret, v2 without, roll back to v1 (v3), and a few requests that are
   * refused.
   */
  private void scenario() {
    Deploys deploys = new Deploys(api);
    instance = deploys.instance("canary-app", 0);
    JsonObject body =
        new JsonObject()
            .put("image", "registry.example.com/acme/app:1")
            .put("env", new JsonObject().put("LOG_LEVEL", "info"))
            .put("secret_env", new JsonObject().put("DB_PASSWORD", CANARY));
    ApiClient.Response first =
        api.post(
            "/v1/instances/" + instance + "/deployments",
            body.encode(),
            Map.of("Idempotency-Key", "canary-deploy"));
    assertThat(first.status()).as(first.text()).isEqualTo(202);
    v1 = first.json().getString("id");
    // the same request again replays the stored response; the stored response has no secret either
    assertThat(
            api.post(
                    "/v1/instances/" + instance + "/deployments",
                    body.encode(),
                    Map.of("Idempotency-Key", "canary-deploy"))
                .status())
        .isEqualTo(202);
    deploys.awaitState(v1, "succeeded");
    deploys.awaitState(
        deploys.deploy(instance, "registry.example.com/acme/app:2", null), "succeeded");
    rollback = deploys.rollback(instance, 1);
    deploys.awaitState(rollback, "succeeded");

    // refused requests that carry the value: invalid name, a name in both maps, an unknown instance
    assertThat(
            api.post(
                    "/v1/instances/" + instance + "/deployments",
                    new JsonObject()
                        .put("image", "a/b:1")
                        .put("secret_env", new JsonObject().put("BAD-NAME", CANARY)))
                .status())
        .isEqualTo(422);
    assertThat(
            api.post(
                    "/v1/instances/" + instance + "/deployments",
                    new JsonObject()
                        .put("image", "a/b:1")
                        .put("env", new JsonObject().put("X", "1"))
                        .put("secret_env", new JsonObject().put("X", CANARY)))
                .status())
        .isEqualTo(422);
    assertThat(
            api.post(
                    "/v1/instances/inst_nowhere/deployments",
                    new JsonObject()
                        .put("image", "a/b:1")
                        .put("secret_env", new JsonObject().put("DB_PASSWORD", CANARY)))
                .status())
        .isEqualTo(404);
    assertThat(
            api.post(
                    "/v1/instances/" + instance + "/deployments",
                    "{\"secret_env\": {\"A\": \"" + CANARY + "\"",
                    Map.of())
                .status())
        .isEqualTo(400);
    assertThat(
            api.post(
                    "/v1/instances/" + instance + "/deployments",
                    "{\"image\": \"a/b:1\", \"secret_env\": " + "{\"A\": " + CANARY + "}}",
                    Map.of())
                .status())
        .as("an unquoted value")
        .isEqualTo(400);
    assertThat(
            api.post(
                    "/v1/instances/" + instance + "/deployments",
                    new JsonObject()
                        .put("image", 5)
                        .put("secret_env", new JsonObject().put("DB_PASSWORD", CANARY))
                        .put("surprise", true))
                .status())
        .as("a body the schema refuses")
        .isEqualTo(422);
    assertThat(
            api.post(
                    "/v1/instances/" + instance + "/deployments",
                    new JsonObject()
                        .put("image", "a/b:1")
                        .put(
                            "secret_env",
                            new JsonObject().put("DB_PASSWORD", 42).put("OK", CANARY)))
                .status())
        .isEqualTo(422);

    // read everything a client could look at
    for (String path :
        List.of(
            "/v1/instances/" + instance,
            "/v1/instances/" + instance + "/releases",
            "/v1/instances/" + instance + "/deployments",
            "/v1/deployments/" + v1,
            "/v1/deployments/" + rollback,
            "/v1/instances/" + instance + "/fleet",
            "/v1/instances/" + instance + "/fleet/timeline?limit=100",
            "/v1/events?limit=1000",
            "/v1/audit?limit=100",
            "/v1/webhooks")) {
      assertThat(api.get(path).status()).as(path).isEqualTo(200);
    }
  }

  @Test
  @DisplayName(
      "is shown redacted by the API, with its name, on the release and on the rollback's release")
  void redacted() {
    JsonObject releases = api.get("/v1/instances/" + instance + "/releases").json();
    List<JsonObject> byVersion = new ArrayList<>();
    releases.getJsonArray("items").forEach(r -> byVersion.add(0, (JsonObject) r));
    assertThat(byVersion.get(0).getJsonObject("secret_env"))
        .isEqualTo(new JsonObject().put("DB_PASSWORD", "********"));
    assertThat(byVersion.get(0).getJsonObject("env"))
        .isEqualTo(new JsonObject().put("LOG_LEVEL", "info"));
    assertThat(byVersion.get(1).getJsonObject("secret_env")).isEmpty();
    assertThat(byVersion.get(2).getJsonObject("secret_env"))
        .as("the rollback carries it over")
        .isEqualTo(new JsonObject().put("DB_PASSWORD", "********"));
  }

  @Test
  @DisplayName("is handed to the provider: replicas of v1 and of the rollback were started with it")
  void handedToProvider() {
    List<JsonObject> created = new ArrayList<>();
    api.get("/v1/instances/" + instance + "/fleet/timeline?limit=100")
        .json()
        .getJsonArray("items")
        .forEach(
            e -> {
              JsonObject entry = (JsonObject) e;
              if ("replica.created".equals(entry.getString("kind"))) {
                created.add(entry);
              }
            });
    assertThat(created)
        .filteredOn(e -> e.getJsonObject("release").getInteger("version") != 2)
        .isNotEmpty()
        .allSatisfy(
            e ->
                assertThat(e.getJsonObject("detail").getJsonArray("env_names"))
                    .containsExactly("DB_PASSWORD", "LOG_LEVEL"));
    assertThat(created)
        .filteredOn(e -> e.getJsonObject("release").getInteger("version") == 2)
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getJsonObject("detail").getJsonArray("env_names")).isEmpty());
  }

  @Test
  @DisplayName(
      "is stored once per release, sealed, and the rollback copied the sealed value without opening it")
  void sealedAtRest() {
    List<Row> rows = new ArrayList<>();
    Await.result(
            sql.pool()
                .preparedQuery(
                    "SELECT s.ciphertext, s.key_id, r.version, r.tenant_id FROM release_secrets s "
                        + "JOIN releases r ON r.id = s.release_id WHERE r.instance_id = $1 ORDER BY r.version")
                .execute(Tuple.of(instance)))
        .forEach(rows::add);
    assertThat(rows).extracting(r -> r.getInteger("version")).containsExactly(1, 3);
    assertThat(rows.get(1).getString("ciphertext")).isEqualTo(rows.get(0).getString("ciphertext"));
    Keyring keyring = Keyring.fromConfig(TestStack.ENCRYPTION_KEY);
    assertThat(rows.get(0).getString("key_id")).isEqualTo(keyring.primaryKeyId());
    assertThat(
            keyring.open(
                rows.get(0).getString("ciphertext"),
                SecretEnv.context("default", instance, "DB_PASSWORD")))
        .isEqualTo(CANARY);
  }

  @Test
  @DisplayName(
      "appears in no API response, log line, Kafka event, webhook body or other database column")
  void nowhereElse() throws Exception {
    // the rollback's succeeded event has reached Kafka and the webhook receiver: everything before
    // it has too
    try (TopicReader topic =
        new TopicReader(TestStack.get().kafkaBootstrap(), config.kafka().topic())) {
      List<ConsumerRecord<String, String>> records =
          topic.until(
              Duration.ofSeconds(30),
              "the rollback's events",
              rs ->
                  rs.stream()
                      .anyMatch(
                          r ->
                              r.value().contains(rollback)
                                  && r.value().contains("deploy.succeeded")));
      assertThat(records).isNotEmpty().noneSatisfy(r -> assertThat(r.value()).contains(CANARY));
    }
    Await.until(
        Duration.ofSeconds(30),
        "the rollback's succeeded webhook",
        () ->
            receiver.requests("/all").stream()
                    .anyMatch(
                        r -> r.text().contains(rollback) && r.text().contains("deploy.succeeded"))
                ? true
                : null);
    assertThat(receiver.requests("/all"))
        .isNotEmpty()
        .noneSatisfy(r -> assertThat(r.text()).contains(CANARY));

    assertThat(responses).hasSizeGreaterThan(15);
    assertNoResponseHolds(responses, CANARY);

    assertThat(logs.text()).contains(v1).doesNotContain(CANARY);

    List<String> tables = new ArrayList<>();
    Await.result(
            sql.pool()
                .query(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                        + "AND table_type = 'BASE TABLE' ORDER BY table_name")
                .execute())
        .forEach(r -> tables.add(r.getString("table_name")));
    assertThat(tables)
        .contains(
            "release_secrets",
            "releases",
            "deployments",
            "outbox",
            "idempotency_keys",
            "audit_log",
            "webhook_deliveries",
            "sim_timeline");
    for (String table : tables) {
      // every column of every row, as JSON text; release_secrets.ciphertext is the one column
      // allowed to hold it
      long hits =
          sql.count(
              "SELECT count(*) FROM \""
                  + table
                  + "\" t WHERE strpos((to_jsonb(t) - 'ciphertext')::text, $1) > 0",
              CANARY);
      assertThat(hits).as("rows of %s containing the secret", table).isZero();
    }
    assertThat(
            sql.count(
                "SELECT count(*) FROM release_secrets WHERE strpos(ciphertext, $1) > 0", CANARY))
        .isZero();
  }

  /**
   * The response check of {@link #nowhereElse}: bodies and headers are checked apart, each with its
   * own assertion, so a secret in a body alone (or in a header alone) fails it.
   */
  static void assertNoResponseHolds(List<ApiClient.Response> responses, String secret) {
    assertThat(responses)
        .as("response bodies")
        .extracting(r -> r.text() == null ? "" : r.text())
        .noneMatch(text -> text.contains(secret));
    assertThat(responses)
        .as("response headers")
        .extracting(r -> r.headers().toString())
        .noneMatch(headers -> headers.contains(secret));
  }

  @Test
  @DisplayName("the response check fails on a planted leak in a body alone or in a header alone")
  void responseCheckCatchesPlantedLeaks() {
    ApiClient.Response clean = responses.get(0);
    ApiClient.Response bodyLeak =
        new ApiClient.Response(
            200,
            "application/json",
            null,
            null,
            "{\"DB_PASSWORD\": \"" + CANARY + "\"}",
            MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json"));
    ApiClient.Response headerLeak =
        new ApiClient.Response(
            200,
            "application/json",
            null,
            null,
            "{}",
            MultiMap.caseInsensitiveMultiMap().add("X-Debug", CANARY));
    assertNoResponseHolds(List.of(clean), CANARY);
    assertThatThrownBy(() -> assertNoResponseHolds(List.of(clean, bodyLeak), CANARY))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("response bodies");
    assertThatThrownBy(() -> assertNoResponseHolds(List.of(clean, headerLeak), CANARY))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("response headers");
  }
}
