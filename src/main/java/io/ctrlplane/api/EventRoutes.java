package io.ctrlplane.api;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.problem.ProblemException;
import io.ctrlplane.security.Caller;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v1/events?after=<seq>&limit=<n>}: the retained event log for clients without Kafka.
 * Items come in seq order; {@code next_cursor} is the value to pass as {@code after} next time
 * (also when the page is empty, so a client simply polls with it).
 */
public final class EventRoutes {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(15_000);

  private final Vertx vertx;

  public EventRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  public void mount(Router router) {
    router.get("/v1/events").handler(this::list);
  }

  private void list(RoutingContext ctx) {
    JsonObject query;
    try {
      query =
          new JsonObject()
              .put("after", QueryParams.longParam(ctx, "after", 0, 0, Long.MAX_VALUE))
              .put("limit", (int) QueryParams.longParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT))
              .put(Caller.FIELD, AuthHandler.caller(ctx).toJson());
    } catch (ProblemException e) {
      ctx.fail(e);
      return;
    }
    vertx
        .eventBus()
        .<JsonObject>request(Addresses.EVENTS_LIST, query, TIMEOUT)
        .onSuccess(
            reply ->
                ctx.response()
                    .putHeader("content-type", "application/json")
                    .end(reply.body().encode()))
        .onFailure(ctx::fail);
  }
}
