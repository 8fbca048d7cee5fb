package io.ctrlplane.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.EventChecks;
import io.ctrlplane.testing.TestStack;
import io.ctrlplane.testing.WebhookReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(
    roles = "api,runner,relay,webhooks",
    config = {
      "webhooks.max_attempts=3",
      "webhooks.initial_backoff_ms=200",
      "webhooks.max_backoff_ms=1000",
      "webhooks.request_timeout_ms=2000",
      "webhooks.session_timeout_ms=6000"
    })
@DisplayName("Webhooks")
class WebhookDeliveryTest {
  private static final String SECRET = "a-receiver-secret-0123456789";

  private AppConfig config;
  private ApiClient api;
  private Deploys deploys;
  private WebhookReceiver receiver;

  @BeforeAll
  void start(Vertx vertx, AppConfig config, ApiClient api) {
    this.config = config;
    this.api = api;
    deploys = new Deploys(api);
    receiver = WebhookReceiver.start(vertx);
  }

  @AfterAll
  void stop() {
    receiver.close();
  }

  @Test
  @DisplayName(
      "POST each matching event, signed with HMAC-SHA256 over the body, and record the delivery")
  void signedDelivery() {
    JsonObject webhook = subscribe("/signed", List.of("deploy.succeeded"), SECRET);
    assertThat(webhook.getString("secret"))
        .as("a secret the client chose is not echoed")
        .isEqualTo("********");
    String app = deploys.instance("webhook-signed", 0);
    String deployment = deploys.deploy(app, "registry.example.com/acme/app:1", null);
    deploys.awaitState(deployment, "succeeded");

    WebhookReceiver.Request request =
        Await.until(
            Duration.ofSeconds(30),
            "the signed delivery",
            () ->
                receiver.requests("/signed").stream()
                    .filter(r -> r.text().contains(deployment))
                    .findFirst()
                    .orElse(null));
    assertThat(request.signedWith(SECRET))
        .as("signature verifies with the subscription's secret")
        .isTrue();
    assertThat(request.signedWith(SECRET + "x")).isFalse();
    assertThat(request.headers().get("Content-Type")).isEqualTo("application/cloudevents+json");
    assertThat(Long.parseLong(request.headers().get("Ctrlplane-Timestamp")))
        .isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
    JsonObject event = new JsonObject(request.text());
    assertThat(EventChecks.schemas().errors(event)).isEmpty();
    assertThat(event.getString("type")).isEqualTo("deploy.succeeded");
    assertThat(request.headers().get("Ctrlplane-Event-Id")).isEqualTo(event.getString("id"));
    assertThat(request.headers().get("Ctrlplane-Event-Type")).isEqualTo("deploy.succeeded");
    assertThat(request.headers().get("Ctrlplane-Attempt")).isEqualTo("1");

    JsonObject delivery =
        awaitDelivery(webhook.getString("id"), event.getString("id"), "succeeded");
    assertThat(delivery.getInteger("attempts")).isEqualTo(1);
    assertThat(delivery.getInteger("last_status_code")).isEqualTo(200);
    assertThat(delivery.getString("id")).isEqualTo(request.headers().get("Ctrlplane-Delivery"));
    assertThat(receiver.requests("/signed"))
        .as("only the subscribed type, once")
        .filteredOn(r -> r.text().contains(deployment))
        .hasSize(1);
  }

  @Test
  @DisplayName("a receiver that fails twice then succeeds gets the event once it recovers")
  void retriesWithBackoff() {
    receiver.script("/flaky", n -> n <= 2 ? 500 : 200);
    JsonObject webhook = subscribe("/flaky", List.of("deploy.queued"), SECRET);
    String app = deploys.instance("webhook-flaky", 0);
    String deployment = deploys.deploy(app, "registry.example.com/acme/app:1", null);

    List<WebhookReceiver.Request> requests =
        Await.until(
            Duration.ofSeconds(30),
            "three attempts",
            () -> {
              List<WebhookReceiver.Request> rs =
                  receiver.requests("/flaky").stream()
                      .filter(r -> r.text().contains(deployment))
                      .toList();
              return rs.size() >= 3 ? rs : null;
            });
    String eventId = new JsonObject(requests.get(0).text()).getString("id");
    assertThat(requests)
        .allSatisfy(
            r -> {
              assertThat(r.headers().get("Ctrlplane-Event-Id")).isEqualTo(eventId);
              assertThat(r.signedWith(SECRET)).isTrue();
            });
    assertThat(requests.stream().map(r -> r.headers().get("Ctrlplane-Attempt")))
        .containsExactly("1", "2", "3");

    JsonObject delivery = awaitDelivery(webhook.getString("id"), eventId, "succeeded");
    assertThat(delivery.getInteger("attempts")).isEqualTo(3);
    assertThat(delivery.getInteger("last_status_code")).isEqualTo(200);
    assertThat(delivery.getString("last_error")).isNull();
  }

  @Test
  @DisplayName("give up after the bounded number of attempts and keep a dead-letter record")
  void deadLetter() {
    receiver.script("/down", n -> 503);
    JsonObject webhook = subscribe("/down", List.of("deploy.queued"), SECRET);
    String app = deploys.instance("webhook-down", 0);
    String deployment = deploys.deploy(app, "registry.example.com/acme/app:1", null);
    String eventId =
        Await.until(
            Duration.ofSeconds(30),
            "a first attempt",
            () ->
                receiver.requests("/down").stream()
                    .filter(r -> r.text().contains(deployment))
                    .map(r -> new JsonObject(r.text()).getString("id"))
                    .findFirst()
                    .orElse(null));

    JsonObject delivery = awaitDelivery(webhook.getString("id"), eventId, "dead_lettered");
    assertThat(delivery.getInteger("attempts")).isEqualTo(3);
    assertThat(delivery.getInteger("last_status_code")).isEqualTo(503);
    assertThat(delivery.getString("last_error")).isEqualTo("HTTP 503");
    assertThat(delivery.getString("next_attempt_at")).isNull();
    assertThat(receiver.requests("/down"))
        .filteredOn(r -> r.text().contains(deployment))
        .hasSize(3);
  }

  @Test
  @DisplayName("deliver an event the relay published twice (same id) only once")
  void duplicateOnKafka() throws Exception {
    JsonObject webhook = subscribe("/dup", List.of("deploy.queued"), SECRET);
    String app = deploys.instance("webhook-dup", 60_000);
    String first = deploys.deploy(app, "registry.example.com/acme/app:1", null);
    WebhookReceiver.Request original =
        Await.until(
            Duration.ofSeconds(30),
            "the first delivery",
            () ->
                receiver.requests("/dup").stream()
                    .filter(r -> r.text().contains(first))
                    .findFirst()
                    .orElse(null));
    String eventId = new JsonObject(original.text()).getString("id");
    awaitDelivery(webhook.getString("id"), eventId, "succeeded");

    // what a relay killed after the send but before its commit leaves on the topic: the same record
    // again
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestStack.get().kafkaBootstrap()),
            new StringSerializer(),
            new StringSerializer())) {
      producer
          .send(new ProducerRecord<>(config.kafka().topic(), app, original.text()))
          .get(10, TimeUnit.SECONDS);
    }
    // a later event of the same instance lands behind the copy in the same partition
    String second = deploys.deploy(app, "registry.example.com/acme/app:2", null);
    Await.until(
        Duration.ofSeconds(30),
        "the next event's delivery",
        () ->
            receiver.requests("/dup").stream().anyMatch(r -> r.text().contains(second))
                ? true
                : null);

    assertThat(receiver.requests("/dup")).filteredOn(r -> r.text().contains(eventId)).hasSize(1);
    assertThat(
            api.get("/v1/webhooks/" + webhook.getString("id") + "/deliveries")
                .json()
                .getJsonArray("items"))
        .hasSize(2);
  }

  @Test
  @DisplayName("accept only http(s) URLs and known event types, and never show a secret again")
  void api() {
    assertInvalid(
        new JsonObject().put("url", "ftp://example.com/hook"), "url", "http:// or https://");
    assertInvalid(new JsonObject().put("url", "file:///etc/passwd"), "url", "http:// or https://");
    assertInvalid(new JsonObject().put("url", "javascript:alert(1)"), "url", "http:// or https://");
    assertInvalid(new JsonObject(), "url", "is required");
    assertInvalid(
        new JsonObject().put("url", "https://user:pw@example.com/"), "url", "credentials");
    assertInvalid(
        new JsonObject()
            .put("url", "https://example.com/")
            .put("event_types", new JsonArray().add("deploy.exploded")),
        "event_types[0]",
        "must be one of");
    ApiClient.Response shortSecret =
        api.post(
            "/v1/webhooks",
            new JsonObject().put("url", "https://example.com/").put("secret", "tiny-secret"));
    assertThat(shortSecret.status()).isEqualTo(422);
    assertThat(shortSecret.text()).doesNotContain("tiny-secret");

    ApiClient.Response created =
        api.post("/v1/webhooks", new JsonObject().put("url", "https://hooks.example.com/deploys"));
    assertThat(created.status()).isEqualTo(201);
    String id = created.json().getString("id");
    String generated = created.json().getString("secret");
    assertThat(generated)
        .as("a generated secret is shown once, at creation")
        .startsWith("whsec_")
        .hasSizeGreaterThan(40);
    assertThat(created.location()).isEqualTo("/v1/webhooks/" + id);
    assertThat(created.json().getJsonArray("event_types"))
        .hasSize(11); // every type, deploy.analysis (issue 15) and the approval events (issue 18)
    // included

    ApiClient.Response one = api.get("/v1/webhooks/" + id);
    assertThat(one.json().getString("secret")).isEqualTo("********");
    ApiClient.Response list = api.get("/v1/webhooks?limit=100");
    assertThat(list.text()).contains(id).doesNotContain(generated).doesNotContain(SECRET);
    assertThat(api.get("/v1/webhooks/" + id + "/deliveries").json().getJsonArray("items"))
        .isEmpty();

    assertThat(api.send(HttpMethod.DELETE, "/v1/webhooks/" + id, null, Map.of()).status())
        .isEqualTo(204);
    assertThat(api.get("/v1/webhooks/" + id).status()).isEqualTo(404);
    assertThat(api.get("/v1/webhooks/" + id + "/deliveries").status()).isEqualTo(404);
    assertThat(api.send(HttpMethod.DELETE, "/v1/webhooks/" + id, null, Map.of()).status())
        .isEqualTo(404);
  }

  private void assertInvalid(JsonObject body, String field, String message) {
    ApiClient.Response r = api.post("/v1/webhooks", body);
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.contentType()).isEqualTo("application/problem+json");
    assertThat(r.json().getJsonArray("errors").stream().map(JsonObject.class::cast))
        .anySatisfy(
            e -> {
              assertThat(e.getString("field")).isEqualTo(field);
              assertThat(e.getString("message")).contains(message);
            });
  }

  private JsonObject subscribe(String path, List<String> types, String secret) {
    ApiClient.Response r =
        api.post(
            "/v1/webhooks",
            new JsonObject()
                .put("url", receiver.url(path))
                .put("event_types", new JsonArray(types))
                .put("secret", secret));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json();
  }

  private JsonObject awaitDelivery(String webhookId, String eventId, String status) {
    return Await.until(
        Duration.ofSeconds(30),
        "delivery of " + eventId + " " + status,
        () ->
            api
                .get("/v1/webhooks/" + webhookId + "/deliveries?limit=100")
                .json()
                .getJsonArray("items")
                .stream()
                .map(JsonObject.class::cast)
                .filter(
                    d ->
                        d.getString("event_id").equals(eventId)
                            && d.getString("status").equals(status))
                .findFirst()
                .orElse(null));
  }
}
