package io.ctrlplane.api;

import io.ctrlplane.bus.Caller;
import io.ctrlplane.deploy.Ids;
import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.ProblemException;
import io.ctrlplane.security.Authenticator;
import io.ctrlplane.security.Principal;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Authentication and authorisation of /v1. {@link #handle} runs before every /v1 handler: it
 * authenticates the bearer key (401 with {@code WWW-Authenticate: Bearer}). {@link #requireScope}
 * is mounted on each route of {@link RouteTable} with the very path the route's handler has, so the
 * router matches both the same way (trailing slashes, doubled slashes and all): no request reaches
 * a handler without passing its route's scope check (403). What they learn (principal, route,
 * request id) stays on the routing context for the handlers, which pass it to the stores as a
 * {@link Caller}, and for the audit record of a refusal.
 */
final class AuthHandler implements Handler<RoutingContext> {
  static final String PRINCIPAL = "ctrlplane.principal";
  static final String REVOKED = "ctrlplane.revoked";
  static final String ROUTE = "ctrlplane.route";
  static final String REQUEST_ID = "ctrlplane.request_id";
  static final String REALM = "Bearer realm=\"ctrlplane\"";
  private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final Authenticator authenticator;

  AuthHandler(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** Every request gets an id: the client's X-Request-Id when it is sane, else a fresh one. */
  static Handler<RoutingContext> requestIds() {
    return ctx -> {
      String given = ctx.request().getHeader("X-Request-Id");
      String id =
          given != null && CLIENT_REQUEST_ID.matcher(given).matches() ? given : Ids.next("req");
      ctx.put(REQUEST_ID, id);
      ctx.response().putHeader("X-Request-Id", id);
      ctx.next();
    };
  }

  /** Mounts the scope check of every route of the table, ahead of the handlers. */
  static void mountScopes(Router router) {
    for (RouteTable.Entry route : RouteTable.ALL) {
      router.route(route.method(), route.path()).handler(requireScope(route));
    }
  }

  @Override
  public void handle(RoutingContext ctx) {
    // for the audit record of a 401 only: the route's own handler below sets it authoritatively
    RouteTable.match(ctx.request().method(), ctx.normalizedPath())
        .ifPresent(route -> ctx.put(ROUTE, route));
    authenticator
        .authenticate(ctx.request().getHeader("Authorization"))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
              }
              Authenticator.Result result = ar.result();
              if (result.principal() == null) {
                ApiMetrics.authRefused(result.refusal().name());
                ctx.put(REVOKED, result.revoked());
                String error =
                    result.refusal() == Authenticator.Refusal.MISSING
                        ? ""
                        : ", error=\"invalid_token\"";
                ctx.response().putHeader("WWW-Authenticate", REALM + error);
                ctx.fail(
                    new ProblemException(
                        Problem.of(401, "Unauthorized", result.refusal().detail())));
                return;
              }
              ctx.put(PRINCIPAL, result.principal());
              ctx.next(); // an unknown path or method falls through to the router's 404/405,
              // authenticated
            });
  }

  static Handler<RoutingContext> requireScope(RouteTable.Entry route) {
    return ctx -> {
      ctx.put(ROUTE, route);
      Principal principal = ctx.get(PRINCIPAL);
      if (principal != null && principal.allows(route.scope())) {
        ctx.next();
        return;
      }
      ctx.response()
          .putHeader(
              "WWW-Authenticate",
              REALM + ", error=\"insufficient_scope\", scope=\"" + route.scope().wire() + "\"");
      ctx.fail(
          new ProblemException(
              Problem.of(
                  403,
                  "Forbidden",
                  "this API key lacks the '"
                      + route.scope().wire()
                      + "' scope needed for "
                      + route.method()
                      + " "
                      + route.path().replace(":id", "{id}"))));
    };
  }

  /** The caller a store command runs for. */
  static Caller caller(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    RouteTable.Entry route = ctx.get(ROUTE);
    if (principal == null) {
      throw new IllegalStateException("no authenticated principal on a /v1 request");
    }
    return principal.caller(ctx.get(REQUEST_ID), route == null ? "unknown" : route.action());
  }
}
