package io.ctrlplane.api;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Caller;
import io.ctrlplane.bus.Command;
import io.ctrlplane.bus.Get;
import io.ctrlplane.bus.PageQuery;
import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.ProblemException;
import io.ctrlplane.webhooks.WebhookRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /v1/webhooks}: subscriptions to deploy events, and their deliveries. POST bodies were read
 * by the BodyHandler V1Routes installs on POST /v1/*.
 */
public final class WebhookRoutes {
  private final Vertx vertx;

  public WebhookRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  public void mount(Router router) {
    router.post("/v1/webhooks").handler(this::create);
    router
        .get("/v1/webhooks")
        .handler(ctx -> list(ctx, Addresses.WebhookStore.WEBHOOKS_LIST, null));
    router
        .get("/v1/webhooks/:id")
        .handler(
            ctx ->
                send(
                    ctx,
                    Addresses.WebhookStore.WEBHOOKS_GET,
                    new Get(AuthHandler.caller(ctx), ctx.pathParam("id")),
                    200));
    router
        .delete("/v1/webhooks/:id")
        .handler(
            ctx ->
                send(
                    ctx,
                    Addresses.WebhookStore.WEBHOOKS_DELETE,
                    Command.on(AuthHandler.caller(ctx), ctx.pathParam("id")),
                    204));
    router
        .get("/v1/webhooks/:id/deliveries")
        .handler(ctx -> list(ctx, Addresses.WebhookStore.WEBHOOKS_DELIVERIES, ctx.pathParam("id")));
  }

  private void create(RoutingContext ctx) {
    Command command;
    try {
      command = Command.of(AuthHandler.caller(ctx), WebhookRequest.validate(body(ctx)));
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    Bus.request(vertx, Addresses.WebhookStore.WEBHOOKS_CREATE, command)
        .onSuccess(
            reply -> {
              ctx.response().putHeader("Location", "/v1/webhooks/" + reply.getString("id"));
              json(ctx, 201, reply);
            })
        .onFailure(ctx::fail);
  }

  /** {@code scopeId}: the webhook whose deliveries are listed, null for the tenant's webhooks. */
  private void list(RoutingContext ctx, String address, String scopeId) {
    PageQuery query;
    try {
      Caller caller = AuthHandler.caller(ctx);
      query =
          new PageQuery(
              caller,
              scopeId,
              (int) QueryParams.longParam(ctx, "limit", 20, 1, 100),
              ctx.queryParams().get("cursor"));
    } catch (ProblemException e) {
      ctx.fail(e);
      return;
    }
    send(ctx, address, query, 200);
  }

  private void send(RoutingContext ctx, String address, Record message, int status) {
    Bus.request(vertx, address, message)
        .onSuccess(
            reply -> {
              if (status == 204) {
                ctx.response().setStatusCode(204).end();
              } else {
                json(ctx, status, reply);
              }
            })
        .onFailure(ctx::fail);
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
