package io.ctrlplane.api;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Caller;
import io.ctrlplane.bus.Command;
import io.ctrlplane.bus.Get;
import io.ctrlplane.bus.LogTail;
import io.ctrlplane.bus.PageQuery;
import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Rollout control and fleet views: {@code POST /v1/deployments/{id}/pause|resume|promote} and
 * {@code GET /v1/instances/{id}/fleet[/timeline]}. Mounted after V1Routes' body handler.
 */
final class ControlRoutes {
  private final Vertx vertx;

  ControlRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router router) {
    router
        .post("/v1/deployments/:id/pause")
        .handler(ctx -> command(ctx, Addresses.ControlStore.DEPLOYMENTS_PAUSE, List.of()));
    router
        .post("/v1/deployments/:id/resume")
        .handler(ctx -> command(ctx, Addresses.ControlStore.DEPLOYMENTS_RESUME, List.of()));
    router
        .post("/v1/deployments/:id/promote")
        .handler(ctx -> command(ctx, Addresses.ControlStore.DEPLOYMENTS_PROMOTE, List.of("full")));
    router
        .post("/v1/deployments/:id/approve")
        .handler(ctx -> decide(ctx, Addresses.ControlStore.DEPLOYMENTS_APPROVE));
    router
        .post("/v1/deployments/:id/reject")
        .handler(ctx -> decide(ctx, Addresses.ControlStore.DEPLOYMENTS_REJECT));
    router
        .get("/v1/instances/:id/fleet")
        .handler(
            ctx ->
                query(
                    ctx,
                    Addresses.FleetViews.FLEET_GET,
                    new Get(AuthHandler.caller(ctx), ctx.pathParam("id"))));
    router.get("/v1/instances/:id/fleet/timeline").handler(this::timeline);
    router
        .get("/v1/deployments/:id/analysis")
        .handler(
            ctx ->
                query(
                    ctx,
                    Addresses.AnalysisViews.MEASUREMENTS_GET,
                    new Get(AuthHandler.caller(ctx), ctx.pathParam("id"))));
    router.get("/v1/instances/:id/replicas/:replica_id/logs").handler(this::logs);
    router
        .get("/v1/deployments/:id/release-phase/logs")
        .handler(
            ctx ->
                query(
                    ctx,
                    Addresses.FleetViews.RELEASE_PHASE_LOGS,
                    new Get(AuthHandler.caller(ctx), ctx.pathParam("id"))));
  }

  /**
   * Plain text, like {@code kubectl logs}: the last {@code tail} lines (default 100, at most
   * 10000).
   */
  private void logs(RoutingContext ctx) {
    Caller caller = AuthHandler.caller(ctx);
    LogTail request;
    try {
      request = new LogTail(caller, ctx.pathParam("id"), ctx.pathParam("replica_id"), tail(ctx));
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    request(Addresses.FleetViews.REPLICA_LOGS, request)
        .onSuccess(
            body ->
                ctx.response()
                    .putHeader("content-type", "text/plain; charset=utf-8")
                    .putHeader("x-ctrlplane-agent", body.getString("agent_id"))
                    .end(body.getString("text")))
        .onFailure(ctx::fail);
  }

  private static int tail(RoutingContext ctx) {
    String raw = ctx.queryParams().get("tail");
    if (raw == null) {
      return 100;
    }
    try {
      int tail = Integer.parseInt(raw);
      if (tail >= 1 && tail <= 10_000) {
        return tail;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    String rule = "must be a whole number from 1 to 10000";
    throw new ProblemException(
        new Problem(
            400, "Invalid query parameter", "tail " + rule, List.of(new FieldError("tail", rule))));
  }

  /**
   * A body is optional; when given it is an object with at most the known fields ({@code full}:
   * boolean).
   */
  private void command(RoutingContext ctx, String address, List<String> fields) {
    Command message;
    try {
      Caller caller = AuthHandler.caller(ctx);
      JsonObject body = body(ctx);
      for (String name : body.fieldNames()) {
        if (!fields.contains(name)) {
          throw new ValidationException(
              name,
              "unknown field"
                  + (fields.isEmpty()
                      ? "; this command takes no body"
                      : "; expected some of " + fields));
        }
      }
      Object full = body.getValue("full");
      if (full != null && !(full instanceof Boolean)) {
        throw new ValidationException("full", "must be true or false");
      }
      message =
          new Command(
              caller,
              ctx.pathParam("id"),
              null,
              new JsonObject().put("full", Boolean.TRUE.equals(full)));
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    request(address, message)
        .onSuccess(
            reply -> {
              ctx.response().putHeader("Location", reply.getString("location"));
              json(ctx, reply.getInteger("status"), reply.getJsonObject("body"));
            })
        .onFailure(ctx::fail);
  }

  /** Approve or reject: an optional body {@code {"reason": "…"}} (at most 1024 characters). */
  private void decide(RoutingContext ctx, String address) {
    Command message;
    try {
      Caller caller = AuthHandler.caller(ctx);
      JsonObject body = body(ctx);
      for (String name : body.fieldNames()) {
        if (!name.equals("reason")) {
          throw new ValidationException(name, "unknown field; expected some of [reason]");
        }
      }
      Object reason = body.getValue("reason");
      if (reason != null && (!(reason instanceof String s) || s.length() > 1024)) {
        throw new ValidationException("reason", "must be a string of at most 1024 characters");
      }
      message =
          new Command(caller, ctx.pathParam("id"), null, new JsonObject().put("reason", reason));
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    request(address, message)
        .onSuccess(
            reply -> {
              ctx.response().putHeader("Location", reply.getString("location"));
              json(ctx, reply.getInteger("status"), reply.getJsonObject("body"));
            })
        .onFailure(ctx::fail);
  }

  private void timeline(RoutingContext ctx) {
    PageQuery query;
    try {
      int limit = limit(ctx);
      query =
          new PageQuery(
              AuthHandler.caller(ctx), ctx.pathParam("id"), limit, ctx.queryParams().get("cursor"));
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    query(ctx, Addresses.FleetViews.FLEET_TIMELINE, query);
  }

  private void query(RoutingContext ctx, String address, Record message) {
    request(address, message).onSuccess(body -> json(ctx, 200, body)).onFailure(ctx::fail);
  }

  private Future<JsonObject> request(String address, Record message) {
    return Bus.request(vertx, address, message);
  }

  private static JsonObject body(RoutingContext ctx) {
    if (ctx.body() == null || ctx.body().length() <= 0) { // -1: no body at all
      return new JsonObject();
    }
    try {
      JsonObject parsed = ctx.body().asJsonObject();
      return parsed == null ? new JsonObject() : parsed;
    } catch (DecodeException | ClassCastException e) {
      throw new ProblemException(
          Problem.of(400, "Malformed JSON", "the request body must be a JSON object"));
    }
  }

  private static int limit(RoutingContext ctx) {
    String raw = ctx.queryParams().get("limit");
    if (raw == null) {
      return V1Routes.DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(raw);
      if (limit >= 1 && limit <= V1Routes.MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    String rule = "must be a whole number from 1 to " + V1Routes.MAX_LIMIT;
    throw new ProblemException(
        new Problem(
            400,
            "Invalid query parameter",
            "limit " + rule,
            List.of(new FieldError("limit", rule))));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }
}
