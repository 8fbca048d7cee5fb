package io.ctrlplane.api;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.POST;

import io.ctrlplane.security.Scope;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Every /v1 route with the scope it requires and the action name its audit records carry: the one
 * place that says who may do what. The router refuses to start when it has a /v1 route missing here
 * ({@link #verify}), and the security tests are generated from this list.
 */
public final class RouteTable {

  /** One route: {@code path} in router syntax ({@code :id}). */
  public record Entry(HttpMethod method, String path, Scope scope, String action) {
    public boolean mutating() {
      return !method.equals(GET);
    }

    /** Whether the path names a resource by id (cross-tenant probes must answer 404 there). */
    public boolean hasId() {
      return path.contains(":id");
    }

    /** The id a request path carries where this route has {@code :id}, or null. */
    public String idIn(String requestPath) {
      String[] template = path.split("/");
      String[] actual = requestPath.split("/");
      for (int i = 0; i < template.length && i < actual.length; i++) {
        if (template[i].equals(":id")) {
          return actual[i];
        }
      }
      return null;
    }

    boolean matches(HttpMethod m, String requestPath) {
      return method.equals(m) && PATTERNS.get(path).matcher(requestPath).matches();
    }
  }

  public static final List<Entry> ALL =
      List.of(
          new Entry(POST, "/v1/instances", Scope.DEPLOY, "instance.create"),
          new Entry(GET, "/v1/instances", Scope.READ, "instance.list"),
          new Entry(GET, "/v1/instances/:id", Scope.READ, "instance.get"),
          new Entry(PATCH, "/v1/instances/:id", Scope.DEPLOY, "instance.update"),
          new Entry(DELETE, "/v1/instances/:id", Scope.DEPLOY, "instance.delete"),
          new Entry(POST, "/v1/instances/:id/config", Scope.DEPLOY, "release.config"),
          new Entry(POST, "/v1/instances/:id/restart", Scope.DEPLOY, "instance.restart"),
          new Entry(GET, "/v1/instances/:id/watch", Scope.READ, "instance.watch"),
          new Entry(POST, "/v1/instances/:id/deployments", Scope.DEPLOY, "deployment.create"),
          new Entry(GET, "/v1/instances/:id/deployments", Scope.READ, "deployment.list"),
          new Entry(GET, "/v1/instances/:id/releases", Scope.READ, "release.list"),
          new Entry(POST, "/v1/instances/:id/rollback", Scope.DEPLOY, "deployment.rollback"),
          new Entry(GET, "/v1/instances/:id/fleet", Scope.READ, "fleet.get"),
          new Entry(GET, "/v1/instances/:id/fleet/timeline", Scope.READ, "fleet.timeline"),
          new Entry(GET, "/v1/deployments/:id/analysis", Scope.READ, "deployments.analysis"),
          new Entry(
              GET,
              "/v1/deployments/:id/release-phase/logs",
              Scope.READ,
              "deployments.release_phase_logs"),
          new Entry(GET, "/v1/instances/:id/replicas/:replica_id/logs", Scope.READ, "replica.logs"),
          new Entry(GET, "/v1/deployments/:id", Scope.READ, "deployment.get"),
          new Entry(GET, "/v1/deployments/:id/watch", Scope.READ, "deployment.watch"),
          new Entry(POST, "/v1/deployments/:id/cancel", Scope.DEPLOY, "deployment.cancel"),
          new Entry(POST, "/v1/deployments/:id/pause", Scope.DEPLOY, "deployment.pause"),
          new Entry(POST, "/v1/deployments/:id/resume", Scope.DEPLOY, "deployment.resume"),
          new Entry(POST, "/v1/deployments/:id/promote", Scope.DEPLOY, "deployment.promote"),
          new Entry(POST, "/v1/deployments/:id/approve", Scope.APPROVE, "deployment.approve"),
          new Entry(POST, "/v1/deployments/:id/reject", Scope.APPROVE, "deployment.reject"),
          new Entry(GET, "/v1/releases/:id", Scope.READ, "release.get"),
          new Entry(GET, "/v1/releases/:id/diff", Scope.READ, "release.diff"),
          new Entry(GET, "/v1/events", Scope.READ, "event.list"),
          new Entry(POST, "/v1/webhooks", Scope.ADMIN, "webhook.create"),
          new Entry(GET, "/v1/webhooks", Scope.ADMIN, "webhook.list"),
          new Entry(GET, "/v1/webhooks/:id", Scope.ADMIN, "webhook.get"),
          new Entry(DELETE, "/v1/webhooks/:id", Scope.ADMIN, "webhook.delete"),
          new Entry(GET, "/v1/webhooks/:id/deliveries", Scope.ADMIN, "webhook.deliveries"),
          new Entry(POST, "/v1/api-keys", Scope.ADMIN, "api_key.create"),
          new Entry(GET, "/v1/api-keys", Scope.ADMIN, "api_key.list"),
          new Entry(GET, "/v1/api-keys/:id", Scope.ADMIN, "api_key.get"),
          new Entry(DELETE, "/v1/api-keys/:id", Scope.ADMIN, "api_key.revoke"),
          new Entry(GET, "/v1/audit", Scope.ADMIN, "audit.list"),
          new Entry(POST, "/v1/freezes", Scope.ADMIN, "freeze.create"),
          new Entry(GET, "/v1/freezes", Scope.READ, "freeze.list"),
          new Entry(GET, "/v1/freezes/:id", Scope.READ, "freeze.get"),
          new Entry(DELETE, "/v1/freezes/:id", Scope.ADMIN, "freeze.delete"),
          new Entry(POST, "/v1/strategies", Scope.DEPLOY, "strategy.create"),
          new Entry(GET, "/v1/strategies", Scope.READ, "strategy.list"),
          new Entry(GET, "/v1/strategies/:name", Scope.READ, "strategy.get"),
          new Entry(DELETE, "/v1/strategies/:name", Scope.DEPLOY, "strategy.delete"));

  private static final Map<String, Pattern> PATTERNS =
      ALL.stream()
          .map(Entry::path)
          .distinct()
          .collect(
              Collectors.toMap(p -> p, p -> Pattern.compile(p.replaceAll(":[a-z_]+", "[^/]+"))));

  private RouteTable() {}

  /** The entry of a request, if its method and path are a route of the table. */
  public static Optional<Entry> match(HttpMethod method, String path) {
    return ALL.stream().filter(e -> e.matches(method, path)).findFirst();
  }

  /**
   * Fails when the router serves a /v1 method and path that the table does not list: such a route
   * would be authenticated but not authorised, so it must not start.
   */
  static void verify(Router router) {
    List<String> missing = new ArrayList<>();
    for (Route route : router.getRoutes()) {
      String path = route.getPath();
      if (path == null
          || !path.startsWith("/v1/")
          || path.endsWith("/")
          || route.methods() == null) {
        continue; // handlers on every /v1 path (body, authentication) rather than routes
      }
      for (HttpMethod m : route.methods()) {
        if (ALL.stream().noneMatch(e -> e.method().equals(m) && e.path().equals(path))) {
          missing.add(m + " " + path);
        }
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "routes without an entry in RouteTable (scope and action): " + missing);
    }
  }
}
