package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Sql;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Small buckets so a test can empty them: an API key may send 5 at once, then 1 a second; a client
 * address 40 at once, then 1 a second; 3 refused unauthenticated requests a minute are audited. The
 * tests run in order because they share the one client address (127.0.0.1).
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@CtrlPlaneServer(
    roles = "api",
    config = {
      "api.rate_limit.enabled=true",
      "api.rate_limit.per_key_per_second=1",
      "api.rate_limit.per_key_burst=5",
      "api.rate_limit.per_address_per_second=1",
      "api.rate_limit.per_address_burst=40",
      "api.rate_limit.unauthenticated_audit_per_minute=3"
    })
@DisplayName("Rate limits")
class RateLimitTest {
  private ApiClient api;
  private ApiClient other;
  private Sql sql;

  @BeforeAll
  void start(ApiClient api, Sql sql) {
    this.api = api.checked();
    this.sql = sql;
    JsonObject key =
        api.post(
                "/v1/api-keys",
                new JsonObject().put("name", "second").put("scopes", new JsonArray().add("read")))
            .json();
    other = api.as(key.getString("key")).checked();
  }

  @Test
  @Order(1)
  @DisplayName(
      "a key beyond its burst gets 429 problem+json with Retry-After, does nothing, and writes no"
          + " audit record; another key is not affected")
  void perKey() {
    double before = metric("ctrlplane_rate_limited_total{limit=\"api_key\"");
    List<ApiClient.Response> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      answers.add(api.post("/v1/instances", new JsonObject().put("name", "limited-" + i)));
    }
    long created = answers.stream().filter(r -> r.status() == 201).count();
    List<ApiClient.Response> limited = answers.stream().filter(r -> r.status() == 429).toList();
    // 4 tokens left after the key was created in @BeforeAll, and at most a few refilled meanwhile
    assertThat(created).isBetween(4L, 6L);
    assertThat(limited).hasSize((int) (8 - created));
    ApiClient.Response first = limited.get(0);
    assertThat(first.contentType()).startsWith("application/problem+json");
    assertThat(Integer.parseInt(first.header("Retry-After"))).isBetween(1, 2);
    assertThat(first.json().getInteger("status")).isEqualTo(429);
    assertThat(first.json().getString("detail")).contains("from this API key");
    assertThat(sql.count("SELECT count(*) FROM instances WHERE name LIKE 'limited-%'"))
        .isEqualTo(created);
    assertThat(sql.count("SELECT count(*) FROM audit_log WHERE status = 429")).isZero();
    assertThat(metric("ctrlplane_rate_limited_total{limit=\"api_key\"") - before)
        .isEqualTo(limited.size());

    assertThat(other.get("/v1/instances").status()).isEqualTo(200);
  }

  @Test
  @Order(2)
  @DisplayName(
      "refused unauthenticated requests are counted by reason, only a sample of 3 is audited,"
          + " and the address limit stops the flood with 429")
  void unauthenticatedFlood() {
    double missing = metric("ctrlplane_auth_refusals_total{reason=\"missing\"");
    double unaudited = metric("ctrlplane_auth_refusals_unaudited_total");
    double byAddress = metric("ctrlplane_rate_limited_total{limit=\"address\"");
    ApiClient anonymous = api.as(ApiClient.NO_KEY);
    int refused = 0;
    int limited = 0;
    ApiClient.Response lastLimited = null;
    for (int i = 0; i < 60; i++) {
      ApiClient.Response r = anonymous.post("/v1/instances", new JsonObject().put("name", "x"));
      if (r.status() == 401) {
        refused++;
      } else {
        assertThat(r.status()).isEqualTo(429);
        limited++;
        lastLimited = r;
      }
    }
    // the address had 40 tokens, 8 + 2 of them taken by the first test and @BeforeAll
    assertThat(refused).isBetween(25, 40);
    assertThat(limited).isEqualTo(60 - refused);
    assertThat(lastLimited.json().getString("detail")).contains("from this client address");
    assertThat(lastLimited.header("Retry-After")).isNotBlank();

    long audited = sql.count("SELECT count(*) FROM audit_log WHERE status = 401");
    assertThat(audited).as("a sample: 3 a minute").isBetween(3L, 4L);
    assertThat(metric("ctrlplane_auth_refusals_total{reason=\"missing\"") - missing)
        .as("every refusal counted")
        .isEqualTo(refused);
    assertThat(metric("ctrlplane_auth_refusals_unaudited_total") - unaudited)
        .as("the rest of them counted as not audited")
        .isEqualTo(refused - audited);
    assertThat(metric("ctrlplane_rate_limited_total{limit=\"address\"") - byAddress)
        .isEqualTo(limited);
    assertThat(sql.count("SELECT count(*) FROM audit_log WHERE status = 429")).isZero();
  }

  /** The sum of the samples of a counter whose line starts so (0 before its first count). */
  private double metric(String prefix) {
    return api.raw()
        .get("/metrics")
        .text()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
