package io.ctrlplane.api;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.watch.WatchHub;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BiFunction;

/**
 * {@code GET /v1/deployments/{id}/watch} and {@code GET /v1/instances/{id}/watch}: Server-Sent
 * Events streams of a deployment's or an instance's JSON as it changes ({@link WatchHub}). An
 * unknown id (or another tenant's) is a 404 problem before the stream starts.
 */
final class WatchRoutes {
  private final WatchHub hub;

  WatchRoutes(WatchHub hub) {
    this.hub = hub;
  }

  void mount(Router router) {
    router
        .get("/v1/deployments/:id/watch")
        .handler(ctx -> open(ctx, (caller, id) -> hub.watchDeployment(ctx.response(), caller, id)));
    router
        .get("/v1/instances/:id/watch")
        .handler(ctx -> open(ctx, (caller, id) -> hub.watchInstance(ctx.response(), caller, id)));
  }

  private static void open(RoutingContext ctx, BiFunction<Caller, String, Future<Void>> watch) {
    watch
        .apply(AuthHandler.caller(ctx), ctx.pathParam("id"))
        .onFailure(
            e -> {
              if (!ctx.response().headWritten()) {
                ctx.fail(e);
              }
            });
  }
}
