package io.ctrlplane.api;

import io.ctrlplane.webhooks.WebhookRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The whole HTTP surface in one router, in the order requests meet it: the body is read (POST /v1/*, at
 * most 1 MiB), checked against the contract, then handled; every failure becomes a problem document.
 */
final class ApiRouter {
  static final long MAX_BODY_BYTES = 1024 * 1024;

  private ApiRouter() {}

  static Router create(Vertx vertx, ApiContract api, HealthRoutes health) {
    Router router = Router.router(vertx);
    router.post("/v1/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.route().handler(new ContractValidation(vertx, api, domainRules()));
    health.mount(router);
    router.get("/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/yaml; charset=utf-8")
        .end(api.document()));
    new V1Routes(vertx).mount(router);
    Errors.mount(router);
    return router;
  }

  /** The bodies whose domain rules also run when the schema refuses them, so every problem is listed. */
  static Map<String, Consumer<JsonObject>> domainRules() {
    return Map.of(
        "createInstance", Requests::instance,
        "createDeployment", body -> Requests.deploy(null, body),
        "rollback", body -> Requests.rollback(null, body),
        "createWebhook", WebhookRequest::validate);
  }
}
