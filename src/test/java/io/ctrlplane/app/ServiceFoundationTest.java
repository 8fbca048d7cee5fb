package io.ctrlplane.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("The service, all roles in one process, on a real PostgreSQL and a real Kafka broker")
class ServiceFoundationTest {
  private AppConfig config;
  private ApiClient api;
  private Sql sql;

  @BeforeAll
  void start(AppConfig config, ApiClient api, Sql sql) {
    this.config = config;
    this.api = api;
    this.sql = sql;
  }

  @Test
  @DisplayName("is live, and ready once PostgreSQL answers and the Kafka producer is connected")
  void liveAndReady() {
    assertThat(api.get("/health/live").status()).isEqualTo(200);
    JsonObject ready =
        Await.until(
            Duration.ofSeconds(20),
            "ready",
            () -> {
              ApiClient.Response r = api.get("/health/ready");
              return r.status() == 200 ? r.json() : null;
            });
    assertThat(ready.getJsonObject("checks").getJsonObject("postgres").getString("status"))
        .isEqualTo("UP");
    assertThat(ready.getJsonObject("checks").getJsonObject("kafka").getString("status"))
        .isEqualTo("UP");
  }

  @Test
  @DisplayName("exposes Prometheus metrics for HTTP, the pools and the event bus")
  void metrics() {
    api.get("/health/live");
    api.get("/v1/instances");
    ApiClient.Response metrics = api.get("/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.text())
        .contains("vertx_http_server_requests_total")
        .contains("vertx_pool_")
        .contains("vertx_eventbus_");
  }

  @Test
  @DisplayName("writes a deploy to PostgreSQL and its event reaches Kafka, keyed by instance id")
  void deployIsStoredAndPublished(Vertx vertx, VertxTestContext ctx) throws Throwable {
    ApiClient.Response instance =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "foundation-app")
                .put("replicas", 2)
                .put(
                    "provider_config",
                    new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 0)));
    assertThat(instance.status()).isEqualTo(201);
    String instanceId = instance.json().getString("id");
    ApiClient.Response deploy =
        api.post(
            "/v1/instances/" + instanceId + "/deployments",
            new JsonObject().put("image", "registry.example.com/acme/app:1.0.0"));
    assertThat(deploy.status()).isEqualTo(202);
    String deploymentId = deploy.json().getString("id");

    // read the row back from PostgreSQL directly
    Pool pool = sql.pool();
    String image =
        Await.result(
                pool.preparedQuery(
                        "SELECT r.image FROM deployments d JOIN releases r "
                            + "ON r.id = d.release_id WHERE d.id = $1")
                    .execute(Tuple.of(deploymentId)))
            .iterator()
            .next()
            .getString("image");
    assertThat(image).isEqualTo("registry.example.com/acme/app:1.0.0");

    // and the queued event from Kafka
    KafkaConsumer<String, String> consumer =
        KafkaConsumer.create(
            vertx,
            Map.of(
                "bootstrap.servers", TestStack.get().kafkaBootstrap(),
                "group.id", "foundation-test",
                "auto.offset.reset", "earliest",
                "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer"));
    consumer.handler(
        record -> {
          JsonObject event = new JsonObject(record.value());
          if (event.getString("type").equals("deploy.queued")) {
            ctx.verify(
                () -> {
                  assertThat(record.key()).isEqualTo(instanceId);
                  assertThat(event.getString("subject")).isEqualTo(deploymentId);
                  assertThat(event.getJsonObject("data").getString("image"))
                      .isEqualTo("registry.example.com/acme/app:1.0.0");
                });
            consumer.close().onComplete(ctx.succeedingThenComplete());
          }
        });
    consumer.subscribe(config.kafka().topic());
    assertThat(ctx.awaitCompletion(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    if (ctx.failed()) {
      throw ctx.causeOfFailure();
    }
  }
}
