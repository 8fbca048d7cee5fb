package io.ctrlplane.security;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Checks the bearer key of a request. Keys are looked up in the database on every request (one
 * indexed query by hash), so a revocation takes effect on every API process at once, with no cache
 * to invalidate. The configured bootstrap key is compared in memory, in constant time.
 */
public final class Authenticator {
  /** The outcome: a principal, or why there is none (and, for a revoked key, whose it was). */
  public record Result(Principal principal, Refusal refusal, Principal revoked) {
    static Result ok(Principal p) {
      return new Result(p, null, null);
    }

    static Result refused(Refusal why) {
      return new Result(null, why, null);
    }
  }

  /** Why a request is unauthenticated; the text goes into the 401 problem. */
  public enum Refusal {
    MISSING("this request needs an API key: send Authorization: Bearer <key>"),
    MALFORMED("the Authorization header is not 'Bearer <key>' with a key of the form cp_…"),
    UNKNOWN("the API key is not valid"),
    REVOKED("the API key has been revoked");

    private final String detail;

    Refusal(String detail) {
      this.detail = detail;
    }

    public String detail() {
      return detail;
    }
  }

  private static final String LOOKUP =
      "SELECT id, name, tenant_id, scopes, revoked_at FROM api_keys WHERE key_hash = $1";

  private final Pool pool;
  private final boolean enabled;
  private final byte[] bootstrapHash;

  public Authenticator(Pool pool, AppConfig.Security security) {
    this.pool = pool;
    this.enabled = security.authEnabled();
    this.bootstrapHash =
        security.bootstrapApiKey() == null
            ? null
            : ApiKeyTokens.hash(security.bootstrapApiKey()).getBytes(StandardCharsets.US_ASCII);
  }

  public Future<Result> authenticate(String authorization) {
    if (!enabled) {
      return Future.succeededFuture(Result.ok(Principal.anonymousAdmin()));
    }
    if (authorization == null || authorization.isBlank()) {
      return Future.succeededFuture(Result.refused(Refusal.MISSING));
    }
    String token = bearer(authorization);
    if (token == null) {
      return Future.succeededFuture(Result.refused(Refusal.MALFORMED));
    }
    String hash = ApiKeyTokens.hash(token);
    if (bootstrapHash != null
        && MessageDigest.isEqual(bootstrapHash, hash.getBytes(StandardCharsets.US_ASCII))) {
      return Future.succeededFuture(Result.ok(Principal.bootstrap()));
    }
    if (!ApiKeyTokens.wellFormed(token)) {
      return Future.succeededFuture(Result.refused(Refusal.MALFORMED));
    }
    return pool.preparedQuery(LOOKUP)
        .execute(Tuple.of(hash))
        .map(
            rows -> {
              if (rows.size() == 0) {
                return Result.refused(Refusal.UNKNOWN);
              }
              Row row = rows.iterator().next();
              Principal p =
                  new Principal(
                      row.getString("id"),
                      row.getString("name"),
                      row.getString("tenant_id"),
                      Scope.fromArray(row.getArrayOfStrings("scopes")));
              return row.getOffsetDateTime("revoked_at") == null
                  ? Result.ok(p)
                  : new Result(null, Refusal.REVOKED, p);
            });
  }

  public boolean enabled() {
    return enabled;
  }

  /** The token of {@code Bearer <token>} (scheme case-insensitive, RFC 6750), or null. */
  static String bearer(String authorization) {
    String value = authorization.trim();
    if (value.length() < 8 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = value.substring(7).trim();
    return token.isEmpty() || token.contains(" ") ? null : token;
  }
}
