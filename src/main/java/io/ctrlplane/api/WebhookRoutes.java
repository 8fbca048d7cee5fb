package io.ctrlplane.api;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.ProblemException;
import io.ctrlplane.security.Caller;
import io.ctrlplane.webhooks.WebhookRequest;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /v1/webhooks}: subscriptions to deploy events, and their deliveries. POST bodies were read
 * by the BodyHandler V1Routes installs on POST /v1/*.
 */
public final class WebhookRoutes {
  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(15_000);
  private final Vertx vertx;

  public WebhookRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  public void mount(Router router) {
    router.post("/v1/webhooks").handler(this::create);
    router.get("/v1/webhooks").handler(ctx -> list(ctx, Addresses.WEBHOOKS_LIST, callerOf(ctx)));
    router
        .get("/v1/webhooks/:id")
        .handler(ctx -> send(ctx, Addresses.WEBHOOKS_GET, idOf(ctx), 200));
    router
        .delete("/v1/webhooks/:id")
        .handler(ctx -> send(ctx, Addresses.WEBHOOKS_DELETE, idOf(ctx), 204));
    router
        .get("/v1/webhooks/:id/deliveries")
        .handler(ctx -> list(ctx, Addresses.WEBHOOKS_DELIVERIES, idOf(ctx)));
  }

  private void create(RoutingContext ctx) {
    JsonObject command;
    try {
      command = callerOf(ctx).put("body", WebhookRequest.validate(body(ctx)));
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    vertx
        .eventBus()
        .<JsonObject>request(Addresses.WEBHOOKS_CREATE, command, TIMEOUT)
        .onSuccess(
            reply -> {
              ctx.response().putHeader("Location", "/v1/webhooks/" + reply.body().getString("id"));
              json(ctx, 201, reply.body());
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx, String address, JsonObject query) {
    try {
      query
          .put("limit", (int) QueryParams.longParam(ctx, "limit", 20, 1, 100))
          .put("cursor", ctx.queryParams().get("cursor"));
    } catch (ProblemException e) {
      ctx.fail(e);
      return;
    }
    send(ctx, address, query, 200);
  }

  private void send(RoutingContext ctx, String address, JsonObject message, int status) {
    vertx
        .eventBus()
        .<JsonObject>request(address, message, TIMEOUT)
        .onSuccess(
            reply -> {
              if (status == 204) {
                ctx.response().setStatusCode(204).end();
              } else {
                json(ctx, status, reply.body());
              }
            })
        .onFailure(ctx::fail);
  }

  private static JsonObject idOf(RoutingContext ctx) {
    return callerOf(ctx).put("id", ctx.pathParam("id"));
  }

  private static JsonObject callerOf(RoutingContext ctx) {
    return new JsonObject().put(Caller.FIELD, AuthHandler.caller(ctx).toJson());
  }

  private static JsonObject body(RoutingContext ctx) {
    try {
      if (ctx.body() == null || ctx.body().length() == 0) {
        return new JsonObject();
      }
      return ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new ProblemException(
          Problem.of(400, "Malformed JSON", "the request body must be a JSON object"));
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }
}
