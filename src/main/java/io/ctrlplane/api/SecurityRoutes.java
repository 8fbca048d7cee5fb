package io.ctrlplane.api;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Caller;
import io.ctrlplane.bus.Command;
import io.ctrlplane.bus.Get;
import io.ctrlplane.bus.PageQuery;
import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.ProblemException;
import io.ctrlplane.security.ApiKeyTokens;
import io.ctrlplane.security.Scope;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code /v1/api-keys} and {@code /v1/audit}. A new key's secret is generated here, sent to the
 * store only as its hash, and returned once in the 201 response; it is stored nowhere (which is
 * also why this route refuses an Idempotency-Key: a replay would have no secret to show).
 */
final class SecurityRoutes {
  static final int MAX_NAME = 100;
  private static final Set<String> FIELDS = Set.of("name", "scopes");
  private final Vertx vertx;

  SecurityRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router router) {
    router.post("/v1/api-keys").handler(this::create);
    router.get("/v1/api-keys").handler(ctx -> list(ctx, Addresses.SecurityStore.API_KEYS_LIST));
    router
        .get("/v1/api-keys/:id")
        .handler(
            ctx ->
                send(
                    ctx,
                    Addresses.SecurityStore.API_KEYS_GET,
                    new Get(AuthHandler.caller(ctx), ctx.pathParam("id")),
                    200));
    router
        .delete("/v1/api-keys/:id")
        .handler(
            ctx ->
                send(
                    ctx,
                    Addresses.SecurityStore.API_KEYS_REVOKE,
                    Command.on(AuthHandler.caller(ctx), ctx.pathParam("id")),
                    204));
    router.get("/v1/audit").handler(ctx -> list(ctx, Addresses.SecurityStore.AUDIT_LIST));
  }

  private void create(RoutingContext ctx) {
    String secret = ApiKeyTokens.generate();
    Command command;
    try {
      JsonObject body =
          validate(body(ctx), ctx.request().getHeader("Idempotency-Key"))
              .put("key_hash", ApiKeyTokens.hash(secret))
              .put("display_prefix", secret.substring(0, ApiKeyTokens.PREFIX.length() + 4));
      command = Command.of(AuthHandler.caller(ctx), body);
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    Bus.request(vertx, Addresses.SecurityStore.API_KEYS_CREATE, command)
        .onSuccess(
            reply -> {
              JsonObject key = reply.copy().put("key", secret);
              ctx.response()
                  .setStatusCode(201)
                  .putHeader("Location", "/v1/api-keys/" + key.getString("id"))
                  // the only response that ever carries the secret: keep it out of every cache
                  .putHeader("Cache-Control", "no-store")
                  .putHeader("content-type", "application/json")
                  .end(key.encode());
            })
        .onFailure(ctx::fail);
  }

  static JsonObject validate(JsonObject in, String idempotencyKey) {
    List<FieldError> errors = new ArrayList<>();
    in.fieldNames().stream()
        .filter(f -> !FIELDS.contains(f))
        .sorted()
        .forEach(
            f -> errors.add(new FieldError(f, "unknown field; expected some of [name, scopes]")));
    if (idempotencyKey != null) {
      errors.add(
          new FieldError(
              "Idempotency-Key",
              "is not accepted here: a key's secret is shown once and stored "
                  + "nowhere, so a replay could not return it"));
    }
    Object name = in.getValue("name");
    if (!(name instanceof String s) || s.isBlank() || s.length() > MAX_NAME) {
      errors.add(
          new FieldError("name", "is required: a string of 1 to " + MAX_NAME + " characters"));
    }
    Set<Scope> scopes = Set.of();
    try {
      scopes = Scope.parseList(in.getValue("scopes"), "scopes");
    } catch (ValidationException e) {
      errors.addAll(e.errors());
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return new JsonObject()
        .put("name", ((String) name).strip())
        .put("scopes", new io.vertx.core.json.JsonArray(List.of(Scope.toArray(scopes))));
  }

  private void list(RoutingContext ctx, String address) {
    PageQuery query;
    try {
      Caller caller = AuthHandler.caller(ctx);
      query =
          PageQuery.of(
              caller,
              (int)
                  QueryParams.longParam(
                      ctx, "limit", V1Routes.DEFAULT_LIMIT, 1, V1Routes.MAX_LIMIT),
              ctx.queryParams().get("cursor"));
    } catch (RuntimeException e) {
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
                ctx.response()
                    .setStatusCode(status)
                    .putHeader("content-type", "application/json")
                    .end(reply.encode());
              }
            })
        .onFailure(ctx::fail);
  }

  private static JsonObject body(RoutingContext ctx) {
    try {
      if (ctx.body() == null || ctx.body().length() <= 0) {
        return new JsonObject();
      }
      return ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new ProblemException(
          Problem.of(400, "Malformed JSON", "the request body must be a JSON object"));
    }
  }
}
