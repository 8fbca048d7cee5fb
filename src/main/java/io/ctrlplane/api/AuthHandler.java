package io.ctrlplane.api;

import io.ctrlplane.deploy.Ids;
import io.ctrlplane.security.Authenticator;
import io.ctrlplane.security.Caller;
import io.ctrlplane.security.Principal;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Runs before every /v1 handler: gives the request an id, authenticates its bearer key (401 with
 * {@code WWW-Authenticate: Bearer}) and checks the scope its route needs in {@link RouteTable} (403).
 * What it learns (principal, route, request id) stays on the routing context for the handlers, which
 * pass it to the stores as a {@link Caller}, and for the audit record of a refusal.
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
      String id = given != null && CLIENT_REQUEST_ID.matcher(given).matches() ? given : Ids.next("req");
      ctx.put(REQUEST_ID, id);
      ctx.response().putHeader("X-Request-Id", id);
      ctx.next();
    };
  }

  @Override
  public void handle(RoutingContext ctx) {
    RouteTable.match(ctx.request().method(), ctx.request().path()).ifPresent(route -> ctx.put(ROUTE, route));
    authenticator.authenticate(ctx.request().getHeader("Authorization")).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      Authenticator.Result result = ar.result();
      if (result.principal() == null) {
        ctx.put(REVOKED, result.revoked());
        String error = result.refusal() == Authenticator.Refusal.MISSING ? "" : ", error=\"invalid_token\"";
        ctx.response().putHeader("WWW-Authenticate", REALM + error);
        ctx.fail(new ApiException(Problem.of(401, "Unauthorized", result.refusal().detail())));
        return;
      }
      ctx.put(PRINCIPAL, result.principal());
      RouteTable.Entry route = ctx.get(ROUTE);
      if (route != null && !result.principal().allows(route.scope())) {
        ctx.response().putHeader("WWW-Authenticate", REALM + ", error=\"insufficient_scope\", scope=\""
            + route.scope().wire() + "\"");
        ctx.fail(new ApiException(Problem.of(403, "Forbidden", "this API key lacks the '" + route.scope().wire()
            + "' scope needed for " + ctx.request().method() + " " + route.path().replace(":id", "{id}"))));
        return;
      }
      // no route: an unknown path or method, which the router answers 404/405 once authenticated
      ctx.next();
    });
  }

  /** The caller a store command runs for. */
  static Caller caller(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    RouteTable.Entry route = ctx.get(ROUTE);
    if (principal == null) {
      throw new IllegalStateException("no authenticated principal on a /v1 request");
    }
    return Caller.of(principal, ctx.get(REQUEST_ID), route == null ? "unknown" : route.action());
  }
}
