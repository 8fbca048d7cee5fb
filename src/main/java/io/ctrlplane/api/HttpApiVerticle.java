package io.ctrlplane.api;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.security.ApiKeyStore;
import io.ctrlplane.security.Authenticator;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.watch.WatchHub;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.sqlclient.Pool;

/**
 * The HTTP API: request ids, authentication and scopes on every /v1 route, validation against the
 * OpenAPI document and problem+json errors. Talks to the stores over the event bus; reads API keys
 * and writes the audit records of refusals with its own pool.
 */
public class HttpApiVerticle extends VerticleBase {
  private final AppConfig config;
  private Pool pool;
  private HealthRoutes health;
  private HttpServer server;
  private WatchHub watches;

  public HttpApiVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-api");
    health = new HealthRoutes(vertx, pool, config.kafka());
    // one set of buckets per API process, shared by its verticle instances
    LocalMap<String, RateLimits> shared = vertx.sharedData().getLocalMap("ctrlplane.rate_limits");
    String port = String.valueOf(config.http().port());
    shared.putIfAbsent(port, RateLimits.from(config.api().rateLimit()));
    RateLimits limits = shared.get(port);
    ApiRouter.Security security =
        new ApiRouter.Security(
            new Authenticator(pool, config.security()),
            Keyring.fromConfig(config.security().encryptionKey()),
            new RefusalAudit(pool, limits),
            limits);
    watches =
        new WatchHub(
            vertx,
            PgPools.connectOptions(config.postgres()),
            config.http().watchKeepaliveMs(),
            config.http().watchPollMs(),
            keys -> ApiKeyStore.revoked(pool, keys));
    return watches
        .start()
        .compose(v -> ApiContract.load(vertx))
        .compose(
            api -> {
              server =
                  vertx.createHttpServer(
                      new HttpServerOptions()
                          .setHost(config.http().host())
                          .setPort(config.http().port()));
              return server
                  .requestHandler(ApiRouter.create(vertx, api, health, security, watches))
                  .listen();
            });
  }

  @Override
  public Future<?> stop() {
    // watch streams never end by themselves: end them first, or the server's shutdown waits for
    // them
    Future<Void> watchesStopped = watches == null ? Future.succeededFuture() : watches.stop();
    Future<Void> shutdown =
        watchesStopped.eventually(
            () -> server == null ? Future.succeededFuture() : server.shutdown());
    return shutdown.eventually(health::close).eventually(() -> pool.close());
  }
}
