package io.ctrlplane.dashboard;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The dashboard: static files only (HTML, CSS, ES modules from {@code webroot/dashboard} on the
 * classpath), served without a key at {@code /} and {@code /ui/*}. They hold no data: the page asks
 * for an API key and fetches everything from /v1 with it. Kept outside /v1 on purpose, so the route
 * table and the OpenAPI document (which describe the API) do not list them. The routes have no
 * method of their own: GET and HEAD are served, anything else falls through to the API's 404.
 */
public final class DashboardRoutes {
  static final String WEBROOT = "webroot/dashboard";

  /** Scripts, styles and fetches from this origin only; nothing inline, no frames, no plugins. */
  public static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
          + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private DashboardRoutes() {}

  public static void mount(Router router) {
    StaticHandler files =
        StaticHandler.create(WEBROOT)
            .setDirectoryListing(false)
            .setIncludeHidden(false)
            .setCachingEnabled(
                true) // Last-Modified and 304s; Cache-Control is ours (securityHeaders)
            .setDefaultContentEncoding("UTF-8");
    router
        .route("/")
        .handler(DashboardRoutes::securityHeaders)
        .handler(ctx -> ctx.reroute("/ui/index.html"));
    router.route("/ui/*").handler(DashboardRoutes::securityHeaders).handler(files);
  }

  /**
   * Headers of every dashboard response. {@code no-cache}: the browser revalidates each time (a 304
   * when unchanged), so a new version of the jar is picked up at once although file names carry no
   * hash.
   */
  static void securityHeaders(RoutingContext ctx) {
    if (ctx.request().method() != HttpMethod.GET && ctx.request().method() != HttpMethod.HEAD) {
      ctx.next();
      return;
    }
    HttpServerResponse response = ctx.response();
    ctx.addHeadersEndHandler(
        v ->
            response
                .headers()
                .set("Content-Security-Policy", CSP)
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer")
                .set("X-Frame-Options", "DENY")
                .set("Cross-Origin-Opener-Policy", "same-origin")
                .set("Cache-Control", "no-cache"));
    ctx.next();
  }
}
