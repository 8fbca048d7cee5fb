package io.ctrlplane.agent;

import io.ctrlplane.agent.router.Routers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;

/**
 * The agent's own small HTTP API, called by runners, other agents and the API role; not part of the
 * public /v1 API. Bind it to an address only the control plane reaches.
 */
final class AgentApi {
  static final int MAX_TAIL = 10_000;

  private final Vertx vertx;
  private final String agentId;
  private final byte[] authorization;
  private final Reconciler reconciler;
  private final Routers routers;
  private final Supervisor supervisor;

  AgentApi(
      Vertx vertx,
      String agentId,
      String token,
      Reconciler reconciler,
      Routers routers,
      Supervisor supervisor) {
    this.vertx = vertx;
    this.agentId = agentId;
    this.authorization =
        token.isEmpty() ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    this.reconciler = reconciler;
    this.routers = routers;
    this.supervisor = supervisor;
  }

  Router router() {
    Router router = Router.router(vertx);
    if (authorization != null) {
      router.route("/agent/v1/*").handler(this::authenticate);
    }
    router.post("/agent/v1/*").handler(BodyHandler.create(false).setBodyLimit(64 * 1024));
    router
        .get("/agent/v1/health")
        .handler(
            ctx ->
                json(
                    ctx,
                    200,
                    new JsonObject().put("id", agentId).put("replicas", supervisor.count())));
    router
        .post("/agent/v1/reconcile")
        .handler(
            ctx -> {
              reconciler.kick();
              ctx.response().setStatusCode(202).end();
            });
    router.post("/agent/v1/routes/sync").handler(this::sync);
    // outside /agent/v1: Prometheus scrapes without the agent token (counts, no secrets)
    router
        .get("/metrics")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(routers.metrics()));
    router.get("/agent/v1/replicas/:id/logs").handler(this::logs);
    return router;
  }

  /** The shared token, compared in constant time; the token itself is never logged. */
  private void authenticate(RoutingContext ctx) {
    String given = ctx.request().getHeader("authorization");
    if (given != null
        && MessageDigest.isEqual(authorization, given.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
    } else {
      ctx.response()
          .setStatusCode(401)
          .putHeader("www-authenticate", "Bearer")
          .end("agent token required\n");
    }
  }

  private void sync(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null || body.getString("instance_id") == null) {
      ctx.response().setStatusCode(400).end("instance_id is required\n");
      return;
    }
    long drainMs = Math.max(0, Math.min(600_000, body.getLong("drain_ms", 0L)));
    routers
        .sync(body.getString("instance_id"), drainMs)
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(e -> ctx.response().setStatusCode(500).end(e.getMessage() + "\n"));
  }

  private void logs(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    int tail;
    try {
      tail =
          Integer.parseInt(
              ctx.queryParams().get("tail") == null ? "100" : ctx.queryParams().get("tail"));
    } catch (NumberFormatException e) {
      tail = -1;
    }
    if (tail < 1 || tail > MAX_TAIL || !id.matches("rep_[0-9a-z]{26}")) {
      ctx.response()
          .setStatusCode(400)
          .end("tail must be 1.." + MAX_TAIL + " and the id a replica id\n");
      return;
    }
    int lines = tail;
    ContainerRuntime containers = supervisor.containers();
    LocalReplica local = supervisor.get(id);
    if (containers != null && (local == null || local.containerId != null)) {
      // a container's output lives in the engine: its logs endpoint, found by the replica label
      (local != null ? Future.succeededFuture(local.containerId) : containers.containerOf(id))
          .compose(
              c -> c == null ? Future.succeededFuture(null) : containers.engine().logs(c, lines))
          .onSuccess(
              text -> {
                if (text != null) {
                  ctx.response().putHeader("content-type", "text/plain; charset=utf-8").end(text);
                } else {
                  fileLogs(ctx, id, lines);
                }
              })
          .onFailure(ctx::fail);
      return;
    }
    fileLogs(ctx, id, lines);
  }

  private void fileLogs(RoutingContext ctx, String id, int lines) {
    vertx
        .executeBlocking(
            () ->
                Files.isDirectory(supervisor.dirOf(id))
                    ? String.join("\n", supervisor.logOf(id).tail(lines))
                    : null)
        .onSuccess(
            text -> {
              if (text == null) {
                ctx.response()
                    .setStatusCode(404)
                    .end("no logs of replica " + id + " on agent " + agentId + "\n");
              } else {
                ctx.response()
                    .putHeader("content-type", "text/plain; charset=utf-8")
                    .end(text.isEmpty() ? "" : text + "\n");
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
