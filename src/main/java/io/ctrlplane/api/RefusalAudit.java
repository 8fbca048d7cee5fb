package io.ctrlplane.api;

import io.ctrlplane.security.AuditLog;
import io.ctrlplane.security.Principal;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit record of a mutating /v1 request that changed nothing: refused (4xx: no or bad key,
 * wrong scope, unknown id, conflict, invalid body) or failed (5xx). Written before the problem is
 * sent, so once a client has its answer the record exists. A successful change writes its own
 * record in its transaction instead.
 */
final class RefusalAudit {
  private static final Logger log = LoggerFactory.getLogger(RefusalAudit.class);
  private final Pool pool;
  private final RateLimits limits;

  RefusalAudit(Pool pool) {
    this(pool, RateLimits.off());
  }

  /**
   * {@code limits} decides which refused unauthenticated requests (401) still get a record: a
   * sample of at most {@code api.rate_limit.unauthenticated_audit_per_minute}; the rest are only
   * counted (a flood of bad keys must not become a flood of audit rows).
   */
  RefusalAudit(Pool pool, RateLimits limits) {
    this.pool = pool;
    this.limits = limits;
  }

  /** Records nothing: for routers tested without a database, never for a server. */
  static RefusalAudit disabled() {
    return new RefusalAudit(null);
  }

  Future<Void> record(RoutingContext ctx, int status) {
    if (pool == null
        || status == 503 // the database is out: the record could not be written, only delayed
        || ctx.request().method().equals(HttpMethod.GET)
        || ctx.request().method().equals(HttpMethod.HEAD)
        || ctx.request().method().equals(HttpMethod.OPTIONS)
        || !ctx.normalizedPath().startsWith("/v1/")
        // refused by a rate limit: counted in ctrlplane_rate_limited_total, never a row each
        || ctx.get(RateLimits.RATE_LIMITED) != null) {
      return Future.succeededFuture();
    }
    Principal who = ctx.get(AuthHandler.PRINCIPAL);
    if (status == 401 && !limits.auditUnauthenticated()) {
      ApiMetrics.unaudited(); // already counted by reason in ctrlplane_auth_refusals_total
      return Future.succeededFuture();
    }
    if (who == null) {
      who = ctx.get(AuthHandler.REVOKED); // a revoked key's attempts belong to its tenant's trail
    }
    RouteTable.Entry route = ctx.get(AuthHandler.ROUTE);
    AuditLog.Entry entry =
        new AuditLog.Entry(
            who == null ? null : who.tenantId(),
            who == null ? null : who.keyId(),
            who == null ? null : who.keyName(),
            route == null ? "unknown" : route.action(),
            route == null ? null : route.idIn(ctx.normalizedPath()),
            ctx.get(AuthHandler.REQUEST_ID),
            status >= 500 ? AuditLog.FAILED : AuditLog.REFUSED,
            status);
    return AuditLog.append(pool, entry)
        .recover(
            e -> {
              log.warn(
                  "audit record of a refused request {} could not be written: {}",
                  entry.requestId(),
                  e.getMessage());
              return Future.succeededFuture();
            });
  }
}
