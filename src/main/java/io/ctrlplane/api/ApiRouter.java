package io.ctrlplane.api;

import io.ctrlplane.dashboard.DashboardRoutes;
import io.ctrlplane.security.Authenticator;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.watch.WatchHub;
import io.ctrlplane.webhooks.WebhookRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The whole HTTP surface in one router, in the order requests meet it: a request id; the body is
 * read (POST /v1/*, at most 1 MiB); the client address's rate limit; the key is authenticated, its
 * rate limit applied and the route's scope checked (a stranger learns nothing about the contract);
 * the request is checked against the contract, then handled; every failure becomes a problem
 * document (and a mutating request's refusal an audit record).
 */
final class ApiRouter {
  static final long MAX_BODY_BYTES = 1024 * 1024;

  /** What the router needs for authentication, secret_env and the audit of refusals. */
  record Security(
      Authenticator authenticator, Keyring keyring, RefusalAudit audit, RateLimits limits) {
    Security(Authenticator authenticator, Keyring keyring, RefusalAudit audit) {
      this(authenticator, keyring, audit, RateLimits.off());
    }
  }

  private ApiRouter() {}

  static Router create(
      Vertx vertx, ApiContract api, HealthRoutes health, Security security, WatchHub watches) {
    Router router = Router.router(vertx);
    router.route().handler(AuthHandler.requestIds());
    router.post("/v1/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.patch("/v1/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.route("/v1/*").handler(security.limits().perAddress());
    router.route("/v1/*").handler(new AuthHandler(security.authenticator()));
    router.route("/v1/*").handler(security.limits().perKey());
    AuthHandler.mountScopes(router);
    router.route().handler(new ContractValidation(api, domainRules()));
    health.mount(router); // open: probes and scrapers carry no key
    router
        .get("/openapi.yaml")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "application/yaml; charset=utf-8")
                    .end(api.document()));
    DashboardRoutes.mount(router); // public static files at / and /ui/*, outside /v1
    new V1Routes(vertx, security.keyring(), watches).mount(router);
    RouteTable.verify(router);
    Errors.mount(router, security.audit());
    return router;
  }

  /**
   * The bodies whose domain rules also run when the schema refuses them, so every problem is
   * listed.
   */
  static Map<String, Consumer<JsonObject>> domainRules() {
    return Map.of(
        "createInstance", Requests::instance,
        "createDeployment", body -> Requests.deploy(null, body),
        "rollback", body -> Requests.rollback(null, body),
        "updateInstance", body -> Requests.patch(null, body),
        "changeConfig", body -> Requests.config(null, body),
        "createWebhook", WebhookRequest::validate,
        "createApiKey", body -> SecurityRoutes.validate(body, null));
  }
}
