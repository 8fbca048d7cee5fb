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
 * {@code /v1/strategies}: a tenant's strategy templates, named strategies with params that deploys,
 * rollbacks and PATCH default_strategy may name (docs/api.md, "Strategy templates").
 */
final class StrategyRoutes {
  private final Vertx vertx;

  StrategyRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router router) {
    router.post("/v1/strategies").handler(this::create);
    router.get("/v1/strategies").handler(this::list);
    router
        .get("/v1/strategies/:name")
        .handler(
            ctx ->
                send(
                    ctx,
                    Addresses.ReleaseStore.STRATEGIES_GET,
                    () -> new Get(AuthHandler.caller(ctx), ctx.pathParam("name")),
                    200));
    router
        .delete("/v1/strategies/:name")
        .handler(
            ctx ->
                send(
                    ctx,
                    Addresses.ReleaseStore.STRATEGIES_DELETE,
                    () -> Command.on(AuthHandler.caller(ctx), ctx.pathParam("name")),
                    204));
  }

  private void create(RoutingContext ctx) {
    Command command;
    try {
      command = Command.of(AuthHandler.caller(ctx), Requests.strategyTemplate(V1Routes.body(ctx)));
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    Bus.request(vertx, Addresses.ReleaseStore.STRATEGIES_CREATE, command)
        .onSuccess(
            reply -> {
              ctx.response().putHeader("Location", "/v1/strategies/" + reply.getString("name"));
              json(ctx, 201, reply);
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    send(
        ctx,
        Addresses.ReleaseStore.STRATEGIES_LIST,
        () ->
            new PageQuery(
                AuthHandler.caller(ctx),
                null,
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
