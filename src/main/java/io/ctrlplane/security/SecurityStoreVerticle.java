package io.ctrlplane.security;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.problem.ProblemReplies;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers the API-key and audit routes over the event bus (runs with the api role). */
public class SecurityStoreVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SecurityStoreVerticle.class);
  private final AppConfig config;
  private Pool pool;

  public SecurityStoreVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-security");
    ApiKeyStore keys = new ApiKeyStore(pool);
    return Future.all(
        ProblemReplies.serve(
                vertx,
                Addresses.API_KEYS_CREATE,
                m ->
                    create(keys, m)
                        .onSuccess(
                            k ->
                                log.info(
                                    "api key {} ({}) created in tenant {} with scopes {}",
                                    k.getString("id"),
                                    k.getString("name"),
                                    k.getString("tenant_id"),
                                    k.getJsonArray("scopes"))),
                log)
            .completion(),
        ProblemReplies.serve(
                vertx,
                Addresses.API_KEYS_LIST,
                m -> keys.list(tenant(m), m.getInteger("limit"), m.getString("cursor")),
                log)
            .completion(),
        ProblemReplies.serve(
                vertx, Addresses.API_KEYS_GET, m -> keys.get(tenant(m), m.getString("id")), log)
            .completion(),
        ProblemReplies.serve(
                vertx,
                Addresses.API_KEYS_REVOKE,
                m ->
                    keys.revoke(m.getString("id"), Caller.from(m))
                        .onSuccess(
                            k ->
                                log.info(
                                    "api key {} revoked by {}",
                                    k.getString("id"),
                                    Caller.from(m).keyId())),
                log)
            .completion(),
        ProblemReplies.serve(
                vertx,
                Addresses.AUDIT_LIST,
                m -> AuditLog.page(pool, tenant(m), m.getInteger("limit"), m.getString("cursor")),
                log)
            .completion());
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }

  private static Future<JsonObject> create(ApiKeyStore keys, JsonObject m) {
    JsonObject body = m.getJsonObject("body");
    return keys.create(
        body.getString("name"),
        Scope.fromArray(
            body.getJsonArray("scopes").stream().map(String.class::cast).toArray(String[]::new)),
        body.getString("key_hash"),
        body.getString("display_prefix"),
        Caller.from(m));
  }

  private static String tenant(JsonObject message) {
    return Caller.from(message).tenantId();
  }
}
