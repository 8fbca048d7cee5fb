package io.ctrlplane.api;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Caller;
import io.ctrlplane.bus.Command;
import io.ctrlplane.bus.Compare;
import io.ctrlplane.bus.Get;
import io.ctrlplane.bus.IdempotencyKey;
import io.ctrlplane.bus.PageQuery;
import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.ProblemException;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.security.Principal;
import io.ctrlplane.security.Scope;
import io.ctrlplane.security.SecretEnv;
import io.ctrlplane.watch.WatchHub;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * The /v1 resource routes: apply the domain rules the contract cannot express, then ask the store
 * over the event bus. Requests reach these handlers only after {@link ContractValidation} passed
 * them.
 */
final class V1Routes {
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 100;

  private final Vertx vertx;
  private final Keyring keyring;
  private final WatchHub watches;

  /**
   * {@code keyring}: seals secret_env; null when no encryption key is configured (secrets are then
   * refused).
   */
  V1Routes(Vertx vertx, Keyring keyring, WatchHub watches) {
    this.vertx = vertx;
    this.keyring = keyring;
    this.watches = watches;
  }

  void mount(Router router) {
    router
        .post("/v1/instances")
        .handler(ctx -> write(ctx, Addresses.ReleaseStore.INSTANCES_CREATE, Requests::instance));
    router
        .get("/v1/instances")
        .handler(ctx -> list(ctx, Addresses.ReleaseStore.INSTANCES_LIST, null));
    router
        .get("/v1/instances/:id")
        .handler(ctx -> get(ctx, Addresses.ReleaseStore.INSTANCES_GET, ctx.pathParam("id")));
    router
        .patch("/v1/instances/:id")
        .handler(
            ctx ->
                write(
                    ctx,
                    Addresses.ReleaseStore.INSTANCES_PATCH,
                    body -> Requests.patch(ctx.pathParam("id"), body)));
    router
        .delete("/v1/instances/:id")
        .handler(
            ctx ->
                write(
                    ctx,
                    Addresses.ReleaseStore.INSTANCES_DELETE,
                    body -> new JsonObject().put("id", ctx.pathParam("id"))));
    router
        .post("/v1/instances/:id/restart")
        .handler(
            ctx ->
                write(
                    ctx,
                    Addresses.ReleaseStore.INSTANCES_RESTART,
                    body -> new JsonObject().put("id", ctx.pathParam("id"))));
    router
        .post("/v1/instances/:id/config")
        .handler(
            ctx ->
                write(
                    ctx,
                    Addresses.ReleaseStore.RELEASES_CONFIG,
                    body -> sealConfigSecrets(ctx, Requests.config(ctx.pathParam("id"), body))));
    router
        .post("/v1/instances/:id/deployments")
        .handler(
            ctx ->
                write(
                    ctx,
                    Addresses.ReleaseStore.DEPLOYMENTS_CREATE,
                    body -> sealSecrets(ctx, Requests.deploy(ctx.pathParam("id"), body))));
    router
        .get("/v1/instances/:id/deployments")
        .handler(ctx -> list(ctx, Addresses.ReleaseStore.DEPLOYMENTS_LIST, ctx.pathParam("id")));
    router
        .get("/v1/instances/:id/releases")
        .handler(ctx -> list(ctx, Addresses.ReleaseStore.RELEASES_LIST, ctx.pathParam("id")));
    router
        .post("/v1/instances/:id/rollback")
        .handler(
            ctx ->
                write(
                    ctx,
                    Addresses.ReleaseStore.DEPLOYMENTS_ROLLBACK,
                    body -> Requests.rollback(ctx.pathParam("id"), body)));
    router
        .get("/v1/deployments/:id")
        .handler(ctx -> get(ctx, Addresses.ReleaseStore.DEPLOYMENTS_GET, ctx.pathParam("id")));
    router
        .post("/v1/deployments/:id/cancel")
        .handler(
            ctx ->
                write(
                    ctx,
                    Addresses.ReleaseStore.DEPLOYMENTS_CANCEL,
                    body -> new JsonObject().put("id", ctx.pathParam("id"))));
    router
        .get("/v1/releases/:id")
        .handler(ctx -> get(ctx, Addresses.ReleaseStore.RELEASES_GET, ctx.pathParam("id")));
    router.get("/v1/releases/:id/diff").handler(this::diff);
    new ControlRoutes(vertx).mount(router);
    new WatchRoutes(watches).mount(router);
    new EventRoutes(vertx).mount(router);
    new WebhookRoutes(vertx).mount(router);
    new SecurityRoutes(vertx).mount(router);
    new FreezeRoutes(vertx).mount(router);
    new StrategyRoutes(vertx).mount(router);
  }

  /**
   * Replaces the validated secret_env values by their sealed form: plaintext goes no further than
   * here.
   */
  private JsonObject sealSecrets(RoutingContext ctx, JsonObject deploy) {
    Caller caller = AuthHandler.caller(ctx);
    return deploy.put(
        "secret_env",
        SecretEnv.seal(
            keyring,
            caller.tenantId(),
            deploy.getString("instance_id"),
            deploy.getJsonObject("secret_env")));
  }

  /** Seals a config change's secret_set, like a deploy's secret_env. */
  private JsonObject sealConfigSecrets(RoutingContext ctx, JsonObject config) {
    Caller caller = AuthHandler.caller(ctx);
    return config.put(
        "secret_set",
        SecretEnv.seal(
            keyring,
            caller.tenantId(),
            config.getString("instance_id"),
            config.getJsonObject("secret_set")));
  }

  private void diff(RoutingContext ctx) {
    Compare compare;
    try {
      compare =
          new Compare(
              AuthHandler.caller(ctx), ctx.pathParam("id"), ctx.queryParams().get("against"));
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    request(Addresses.ReleaseStore.RELEASES_DIFF, compare)
        .onSuccess(body -> json(ctx, 200, body))
        .onFailure(ctx::fail);
  }

  /**
   * POST: validate the body, attach the Idempotency-Key, send the command, reply with status +
   * Location.
   */
  private void write(
      RoutingContext ctx, String address, Function<JsonObject, JsonObject> validate) {
    Command command;
    try {
      Caller caller = AuthHandler.caller(ctx);
      JsonObject input = body(ctx);
      JsonObject validated = validate.apply(input); // body errors before a bad key, as always
      if (validated.getValue("override_freeze") != null) {
        requireAdmin(ctx);
      }
      command =
          new Command(
              caller, ctx.pathParam("id"), idempotencyKey(ctx, input, caller, keyring), validated);
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    request(address, command)
        .onSuccess(
            reply -> {
              CommandLog.accepted(
                  ctx, command.caller(), reply.getInteger("status"), reply.getJsonObject("body"));
              if (reply.getString("location") != null) {
                ctx.response().putHeader("Location", reply.getString("location"));
              }
              if (reply.getBoolean("replayed", false)) {
                ctx.response().putHeader("Idempotent-Replayed", "true");
              }
              int status = reply.getInteger("status");
              if (status >= 400) { // a refusal replayed from its Idempotency-Key: a problem
                ctx.response()
                    .setStatusCode(status)
                    .putHeader("content-type", Problem.CONTENT_TYPE)
                    .end(reply.getJsonObject("body").encode());
                return;
              }
              json(ctx, status, reply.getJsonObject("body"));
            })
        .onFailure(ctx::fail);
  }

  /** Overriding a freeze takes an admin key (403 otherwise): a deployer cannot lift it alone. */
  private static void requireAdmin(RoutingContext ctx) {
    Principal principal = ctx.get(AuthHandler.PRINCIPAL);
    if (principal == null || !principal.allows(Scope.ADMIN)) {
      throw new ProblemException(
          Problem.of(
              403,
              "Forbidden",
              "override_freeze needs a key with the 'admin' scope; this key may deploy only "
                  + "outside freezes"));
    }
  }

  private void get(RoutingContext ctx, String address, String id) {
    Get get;
    try {
      get = new Get(AuthHandler.caller(ctx), id);
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    request(address, get).onSuccess(body -> json(ctx, 200, body)).onFailure(ctx::fail);
  }

  /** {@code scopeId}: the instance whose list it is, null for the tenant's instances. */
  private void list(RoutingContext ctx, String address, String scopeId) {
    PageQuery query;
    try {
      query =
          new PageQuery(
              AuthHandler.caller(ctx),
              scopeId,
              (int) QueryParams.longParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
              ctx.queryParams().get("cursor"));
    } catch (ProblemException e) {
      ctx.fail(e);
      return;
    }
    request(address, query).onSuccess(body -> json(ctx, 200, body)).onFailure(ctx::fail);
  }

  private Future<JsonObject> request(String address, Record request) {
    return Bus.request(vertx, address, request);
  }

  /** The JSON object sent, {} when none was (the contract gate already refused anything else). */
  static JsonObject body(RoutingContext ctx) {
    if (ctx.body() == null || ctx.body().length() <= 0) {
      return new JsonObject();
    }
    try {
      return ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new ProblemException(
          Problem.of(400, "Malformed JSON", "the request body must be a JSON object"));
    }
  }

  /**
   * The key, where it was used (tenant, method and path: one tenant's key never replays another's
   * response) and a hash of the body it was used with. The hash is of the parsed body, so a retry
   * that re-serialises the same JSON with other whitespace still matches; it is keyed when an
   * encryption key is configured, so a stored hash of a body with secret_env cannot be used to test
   * guesses of a secret.
   */
  private static IdempotencyKey idempotencyKey(
      RoutingContext ctx, JsonObject body, Caller caller, Keyring keyring) {
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key == null) {
      return null;
    }
    if (key.isBlank() || key.length() > 255) {
      String rule = "must be 1 to 255 characters, not only spaces";
      throw new ProblemException(
          new Problem(
              400,
              "Invalid header parameter",
              "Idempotency-Key " + rule,
              List.of(new FieldError("Idempotency-Key", rule))));
    }
    String canonical = body.encode();
    return new IdempotencyKey(
        caller.tenantId() + " " + ctx.request().method().name() + " " + ctx.request().path(),
        key,
        keyring == null ? sha256(canonical) : keyring.mac(canonical));
  }

  private static String sha256(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }
}
