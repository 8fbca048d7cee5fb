package io.ctrlplane.api;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Command;
import io.ctrlplane.bus.Get;
import io.ctrlplane.bus.PageQuery;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /v1/freezes}: windows in which deploys, config releases and scale changes are refused
 * (docs/api.md, "Gates"). POST bodies were read by the BodyHandler V1Routes installs on /v1/*.
 */
final class FreezeRoutes {
  private final Vertx vertx;

  FreezeRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router router) {
    router.post("/v1/freezes").handler(this::create);
    router.get("/v1/freezes").handler(this::list);
    router
        .get("/v1/freezes/:id")
        .handler(
            ctx ->
                send(
                    ctx,
                    Addresses.ReleaseStore.FREEZES_GET,
                    () -> new Get(AuthHandler.caller(ctx), ctx.pathParam("id")),
                    200));
    router
        .delete("/v1/freezes/:id")
        .handler(
            ctx ->
                send(
                    ctx,
                    Addresses.ReleaseStore.FREEZES_DELETE,
                    () -> Command.on(AuthHandler.caller(ctx), ctx.pathParam("id")),
                    204));
  }

  private void create(RoutingContext ctx) {
    Command command;
    try {
      command = Command.of(AuthHandler.caller(ctx), FreezeRequests.create(V1Routes.body(ctx)));
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    Bus.request(vertx, Addresses.ReleaseStore.FREEZES_CREATE, command)
        .onSuccess(
            reply -> {
              ctx.response().putHeader("Location", "/v1/freezes/" + reply.getString("id"));
              json(ctx, 201, reply);
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    send(
        ctx,
        Addresses.ReleaseStore.FREEZES_LIST,
        () ->
            new PageQuery(
                AuthHandler.caller(ctx),
                ctx.queryParams().get("instance_id"),
                (int)
                    QueryParams.longParam(
                        ctx, "limit", V1Routes.DEFAULT_LIMIT, 1, V1Routes.MAX_LIMIT),
                ctx.queryParams().get("cursor")),
        200);
  }

  private void send(
      RoutingContext ctx, String address, java.util.function.Supplier<Record> message, int status) {
    Record built;
    try {
      built = message.get();
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    Bus.request(vertx, address, built)
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

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }
}
