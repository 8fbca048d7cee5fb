package io.ctrlplane.security;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Command;
import io.ctrlplane.bus.Get;
import io.ctrlplane.bus.PageQuery;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the API-key and audit routes over the event bus ({@link Addresses.SecurityStore}; runs
 * with the api role).
 */
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
        serve(
            Addresses.SecurityStore.API_KEYS_CREATE,
            Command.class,
            c ->
                create(keys, c)
                    .onSuccess(
                        k ->
                            log.info(
                                "api key {} ({}) created in tenant {} with scopes {}",
                                k.getString("id"),
                                k.getString("name"),
                                k.getString("tenant_id"),
                                k.getJsonArray("scopes")))),
        serve(
            Addresses.SecurityStore.API_KEYS_LIST,
            PageQuery.class,
            q -> keys.list(q.caller().tenantId(), q.limit(), q.cursor())),
        serve(
            Addresses.SecurityStore.API_KEYS_GET,
            Get.class,
            g -> keys.get(g.caller().tenantId(), g.id())),
        serve(
            Addresses.SecurityStore.API_KEYS_REVOKE,
            Command.class,
            c ->
                keys.revoke(c.id(), c.caller())
                    .onSuccess(
                        k ->
                            log.info(
                                "api key {} revoked by {}",
                                k.getString("id"),
                                c.caller().keyId()))),
        serve(
            Addresses.SecurityStore.AUDIT_LIST,
            PageQuery.class,
            q -> AuditLog.page(pool, q.caller().tenantId(), q.limit(), q.cursor())));
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }

  private <R extends Record> Future<Void> serve(
      String address, Class<R> type, Function<R, Future<JsonObject>> handler) {
    return Bus.serve(vertx, address, type, handler, log).completion();
  }

  private static Future<JsonObject> create(ApiKeyStore keys, Command command) {
    JsonObject body = command.body();
    return keys.create(
        body.getString("name"),
        Scope.fromArray(
            body.getJsonArray("scopes").stream().map(String.class::cast).toArray(String[]::new)),
        body.getString("key_hash"),
        body.getString("display_prefix"),
        command.caller());
  }
}
