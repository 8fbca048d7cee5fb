package io.ctrlplane.api;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.PageQuery;
import io.ctrlplane.problem.ProblemException;
import io.vertx.core.Vertx;
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

  private final Vertx vertx;

  public EventRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  public void mount(Router router) {
    router.get("/v1/events").handler(this::list);
  }

  /** The log's cursor is the {@code after} sequence number. */
  private void list(RoutingContext ctx) {
    PageQuery query;
    try {
      long after = QueryParams.longParam(ctx, "after", 0, 0, Long.MAX_VALUE);
      int limit = (int) QueryParams.longParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
      query = PageQuery.of(AuthHandler.caller(ctx), limit, Long.toString(after));
    } catch (ProblemException e) {
      ctx.fail(e);
      return;
    }
    Bus.request(vertx, Addresses.EventLog.EVENTS_LIST, query)
        .onSuccess(
            reply ->
                ctx.response().putHeader("content-type", "application/json").end(reply.encode()))
        .onFailure(ctx::fail);
  }
}
