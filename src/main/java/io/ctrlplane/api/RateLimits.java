package io.ctrlplane.api;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.ProblemException;
import io.ctrlplane.security.Principal;
import io.vertx.core.Handler;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The /v1 rate limits: one token bucket per client address, checked before the key is looked up (a
 * flood of bad keys costs no database work beyond it), and one per API key, checked after. A
 * request beyond either gets 429 problem+json with {@code Retry-After} (whole seconds until a token
 * is back) and is counted in {@code ctrlplane_rate_limited_total{limit}}; it writes no audit
 * record. One instance per API process, shared by its verticle instances; several API processes
 * each limit on their own. The client address is the TCP peer (forwarding headers are not trusted).
 */
final class RateLimits implements Shareable {
  static final String RATE_LIMITED = "ctrlplane.rate_limited";

  /** Buckets kept at most per kind; beyond it, the full (idle) ones are dropped. */
  private static final int MAX_BUCKETS = 100_000;

  private final AppConfig.RateLimit settings;
  private final LongSupplier clock;
  private final Map<String, TokenBucket> byKey = new ConcurrentHashMap<>();
  private final Map<String, TokenBucket> byAddress = new ConcurrentHashMap<>();
  private final TokenBucket unauthenticatedAudit;

  RateLimits(AppConfig.RateLimit settings, LongSupplier clock) {
    this.settings = settings;
    this.clock = clock;
    int perMinute = settings.unauthenticatedAuditPerMinute();
    this.unauthenticatedAudit = new TokenBucket(perMinute, perMinute / 60.0, clock.getAsLong());
  }

  static RateLimits from(AppConfig.RateLimit settings) {
    return new RateLimits(settings, System::nanoTime);
  }

  /** No limits, and every refusal audited: for routers built in tests without a server. */
  static RateLimits off() {
    return from(new AppConfig.RateLimit(false, 1, 1, 1, 1, Integer.MAX_VALUE / 2));
  }

  Handler<RoutingContext> perAddress() {
    return ctx -> {
      SocketAddress peer = ctx.request().remoteAddress();
      check(
          ctx,
          byAddress,
          peer == null ? "unknown" : peer.host(),
          settings.perAddressBurst(),
          settings.perAddressPerSecond(),
          "address",
          "this client address");
    };
  }

  Handler<RoutingContext> perKey() {
    return ctx -> {
      Principal principal = ctx.get(AuthHandler.PRINCIPAL);
      if (principal == null || principal.keyId() == null) {
        ctx.next(); // authentication off: the address limit applies alone
        return;
      }
      check(
          ctx,
          byKey,
          principal.keyId(),
          settings.perKeyBurst(),
          settings.perKeyPerSecond(),
          "api_key",
          "this API key");
    };
  }

  /** Whether a refused unauthenticated request still gets its audit record (a sample). */
  boolean auditUnauthenticated() {
    return unauthenticatedAudit.take(clock.getAsLong()) == 0;
  }

  private void check(
      RoutingContext ctx,
      Map<String, TokenBucket> buckets,
      String who,
      int burst,
      int perSecond,
      String limit,
      String whom) {
    if (!settings.enabled()) {
      ctx.next();
      return;
    }
    long now = clock.getAsLong();
    if (buckets.size() > MAX_BUCKETS) {
      buckets.values().removeIf(b -> b.full(now));
    }
    long waitNanos =
        buckets.computeIfAbsent(who, k -> new TokenBucket(burst, perSecond, now)).take(now);
    if (waitNanos == 0) {
      ctx.next();
      return;
    }
    long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    ApiMetrics.rateLimited(limit);
    ctx.put(RATE_LIMITED, true);
    ctx.response().putHeader("Retry-After", String.valueOf(seconds));
    ctx.fail(
        new ProblemException(
            Problem.of(
                429,
                "Too Many Requests",
                "more than "
                    + perSecond
                    + " requests per second (bursts of "
                    + burst
                    + ") from "
                    + whom
                    + ": retry after "
                    + seconds
                    + " s")));
  }
}
