package io.ctrlplane.api;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.events.KafkaSetup;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.TimeUnit;

/**
 * {@code /health/live}, {@code /health/ready} and {@code /metrics}: open routes, no API key. Ready
 * means PostgreSQL answers and Kafka is connected: the relay's producer when this process runs the
 * relay, otherwise an admin-client round trip to the broker.
 */
final class HealthRoutes {
  private final Vertx vertx;
  private final Pool pool;
  private final AppConfig.Kafka kafka;
  private KafkaAdminClient admin;

  HealthRoutes(Vertx vertx, Pool pool, AppConfig.Kafka kafka) {
    this.vertx = vertx;
    this.pool = pool;
    this.kafka = kafka;
  }

  void mount(Router router) {
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create());
  }

  Future<Void> close() {
    return admin == null ? Future.succeededFuture() : admin.close();
  }

  private void ready(RoutingContext ctx) {
    Future<String> pg = pool.query("SELECT 1").execute().timeout(3, TimeUnit.SECONDS).map("UP");
    Future<String> kf = kafkaCheck();
    Future.join(pg, kf)
        .onComplete(
            ar -> {
              JsonObject checks =
                  new JsonObject().put("postgres", status(pg)).put("kafka", status(kf));
              boolean up = pg.succeeded() && kf.succeeded();
              json(
                  ctx,
                  up ? 200 : 503,
                  new JsonObject().put("status", up ? "UP" : "DOWN").put("checks", checks));
            });
  }

  private Future<String> kafkaCheck() {
    return vertx
        .eventBus()
        .request(Addresses.HEALTH_KAFKA, null, new DeliveryOptions().setSendTimeout(4000))
        .map("UP")
        .recover(
            e ->
                e instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
                    ? adminCheck()
                    : Future.failedFuture(e));
  }

  private Future<String> adminCheck() {
    if (admin == null) {
      admin = KafkaAdminClient.create(vertx, KafkaSetup.adminConfig(kafka));
    }
    return admin.describeCluster().timeout(3, TimeUnit.SECONDS).map("UP");
  }

  private static JsonObject status(Future<String> check) {
    return check.succeeded()
        ? new JsonObject().put("status", "UP")
        : new JsonObject()
            .put("status", "DOWN")
            .put("error", String.valueOf(check.cause().getMessage()));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }
}
