package io.ctrlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.Sql;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A scripted series of mutating requests, some accepted and some refused for every reason there is;
 * afterwards the audit trail holds exactly one record per request, each with the right outcome,
 * status, actor and request id.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("The audit trail")
class AuditTrailTest {
  private ApiClient api;
  private Sql sql;

  /** Every mutating request of the script: its request id and status. */
  private final List<ApiClient.Response> mutations = new ArrayList<>();

  @BeforeAll
  void start(ApiClient api, Sql sql) {
    this.api = api;
    this.sql = sql;
    script();
  }

  private ApiClient.Response mutate(
      ApiClient client,
      HttpMethod method,
      String path,
      String body,
      int expected,
      Map<String, String> headers) {
    ApiClient.Response r = client.send(method, path, body, headers);
    assertThat(r.status()).as("%s %s: %s", method, path, r.text()).isEqualTo(expected);
    assertThat(r.header("X-Request-Id")).isNotBlank();
    mutations.add(r);
    return r;
  }

  private ApiClient.Response post(ApiClient client, String path, JsonObject body, int expected) {
    return mutate(client, HttpMethod.POST, path, body.encode(), expected, Map.of());
  }

  private void script() {
    JsonObject instance =
        post(api, "/v1/instances", new JsonObject().put("name", "audited").put("replicas", 1), 201)
            .json();
    String id = instance.getString("id");
    post(api, "/v1/instances", new JsonObject().put("name", "audited"), 409);
    post(api, "/v1/instances", new JsonObject().put("name", "Not A Label"), 422);
    post(api.as(ApiClient.NO_KEY), "/v1/instances", new JsonObject().put("name", "anonymous"), 401);
    post(
        api.as("cp_" + "x".repeat(43)),
        "/v1/instances",
        new JsonObject().put("name", "forged"),
        401);
    JsonObject reader =
        post(
                api,
                "/v1/api-keys",
                new JsonObject().put("name", "reader").put("scopes", new JsonArray().add("read")),
                201)
            .json();
    post(
        api.as(reader.getString("key")),
        "/v1/instances",
        new JsonObject().put("name", "by-reader"),
        403);
    post(
        api, "/v1/instances/inst_nowhere/deployments", new JsonObject().put("image", "a/b:1"), 404);
    String deployment =
        post(
                api,
                "/v1/instances/" + id + "/deployments",
                new JsonObject().put("image", "a/b:1"),
                202)
            .json()
            .getString("id");
    String body = new JsonObject().put("image", "a/b:2").encode();
    mutate(
        api,
        HttpMethod.POST,
        "/v1/instances/" + id + "/deployments",
        body,
        202,
        Map.of("Idempotency-Key", "k1"));
    ApiClient.Response replay =
        mutate(
            api,
            HttpMethod.POST,
            "/v1/instances/" + id + "/deployments",
            body,
            202,
            Map.of("Idempotency-Key", "k1"));
    assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
    post(api, "/v1/deployments/dep_nowhere/cancel", new JsonObject(), 404);
    mutate(
        api, HttpMethod.POST, "/v1/instances/" + id + "/deployments", "{not json", 400, Map.of());
    String webhook =
        post(api, "/v1/webhooks", new JsonObject().put("url", "http://127.0.0.1:9/h"), 201)
            .json()
            .getString("id");
    mutate(api, HttpMethod.DELETE, "/v1/webhooks/" + webhook, null, 204, Map.of());
    mutate(api, HttpMethod.DELETE, "/v1/webhooks/" + webhook, null, 404, Map.of());
    mutate(api, HttpMethod.DELETE, "/v1/api-keys/" + reader.getString("id"), null, 204, Map.of());
    mutate(api, HttpMethod.DELETE, "/v1/api-keys/" + reader.getString("id"), null, 409, Map.of());
    post(
        api.as(reader.getString("key")),
        "/v1/instances",
        new JsonObject().put("name", "revoked"),
        401);
    post(api, "/v1/no-such-route", new JsonObject(), 404);
    new Deploys(api).awaitState(deployment, "succeeded");
    post(api, "/v1/deployments/" + deployment + "/pause", new JsonObject(), 409);
    // reads are not audited
    api.get("/v1/instances");
    api.get("/v1/audit");
  }

  @Test
  @DisplayName("holds one record per mutating request, accepted or refused, under its request id")
  void oneRecordPerMutation() {
    assertThat(sql.count("SELECT count(*) FROM audit_log")).isEqualTo(mutations.size());
    Set<String> requestIds = new HashSet<>();
    for (ApiClient.Response r : mutations) {
      String requestId = r.header("X-Request-Id");
      requestIds.add(requestId);
      Row row =
          Await.result(
                  sql.pool()
                      .preparedQuery(
                          "SELECT outcome, status, tenant_id, actor_key_id FROM audit_log "
                              + "WHERE request_id = $1")
                      .execute(Tuple.of(requestId)))
              .iterator()
              .next();
      assertThat(row.getInteger("status")).isEqualTo(r.status());
      String expected =
          r.header("Idempotent-Replayed") != null
              ? "replayed"
              : r.status() < 400 ? "succeeded" : "refused";
      assertThat(row.getString("outcome")).as("%s (%d)", requestId, r.status()).isEqualTo(expected);
    }
    assertThat(requestIds).hasSize(mutations.size());
  }

  @Test
  @DisplayName("names the actor: the key, its tenant, or nobody for a request without a valid key")
  void actors() {
    assertThat(sql.count("SELECT count(*) FROM audit_log WHERE status = 401 AND tenant_id IS NULL"))
        .isEqualTo(2);
    assertThat(
            sql.count(
                "SELECT count(*) FROM audit_log WHERE status = 401 AND tenant_id = 'default' "
                    + "AND actor_key_name = 'reader'"))
        .as("a revoked key's attempt is its tenant's")
        .isEqualTo(1);
    assertThat(
            sql.count(
                "SELECT count(*) FROM audit_log WHERE status = 403 AND actor_key_name = 'reader' "
                    + "AND action = 'instance.create'"))
        .isEqualTo(1);
    assertThat(
            sql.count(
                "SELECT count(*) FROM audit_log WHERE outcome = 'succeeded' AND actor_key_id = $1 "
                    + "AND action = 'deployment.create' AND resource_id LIKE 'dep_%'",
                Principal.BOOTSTRAP_KEY_ID))
        .isEqualTo(2);
  }

  @Test
  @DisplayName("is listed to admins newest first, page by page, without gaps or repeats")
  void pages() {
    Set<String> seen = new HashSet<>();
    List<Long> times = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page =
          api.get("/v1/audit?limit=5" + (cursor == null ? "" : "&cursor=" + cursor)).json();
      page.getJsonArray("items")
          .forEach(
              i -> {
                JsonObject record = (JsonObject) i;
                assertThat(seen.add(record.getString("id"))).isTrue();
                assertThat(record.getString("tenant_id")).isEqualTo("default");
                times.add(java.time.Instant.parse(record.getString("at")).toEpochMilli());
              });
      cursor = page.getString("next_cursor");
      pages++;
    } while (cursor != null);
    assertThat(pages).isGreaterThan(2);
    assertThat(times).isSortedAccordingTo(java.util.Comparator.reverseOrder());
    assertThat((long) seen.size())
        .isEqualTo(sql.count("SELECT count(*) FROM audit_log WHERE tenant_id = 'default'"));
  }

  @Test
  @DisplayName("cannot be changed or deleted, not even with SQL")
  void appendOnly() {
    assertThatThrownBy(() -> sql.update("UPDATE audit_log SET outcome = 'succeeded'"))
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> sql.update("DELETE FROM audit_log"))
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> sql.update("TRUNCATE audit_log")).hasMessageContaining("append-only");
    assertThat(sql.count("SELECT count(*) FROM audit_log")).isEqualTo(mutations.size());
  }
}
