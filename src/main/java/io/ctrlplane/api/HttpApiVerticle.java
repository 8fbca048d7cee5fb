package io.ctrlplane.api;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.security.Authenticator;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.store.PgPools;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;

/**
 * The HTTP API: request ids, authentication and scopes on every /v1 route, validation and
 * problem+json errors. Talks to the stores over the event bus; reads API keys and writes the audit
 * records of refusals with its own pool.
 */
public class HttpApiVerticle extends VerticleBase {
  private final AppConfig config;
  private Pool pool;
  private HealthRoutes health;
  private HttpServer server;

  public HttpApiVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-api");
    health = new HealthRoutes(vertx, pool, config.kafka());
    Router router = Router.router(vertx);
    router.route().handler(AuthHandler.requestIds());
    health.mount(router); // open: probes and scrapers carry no key
    V1Routes.mountBodyHandler(router);
    router.route("/v1/*").handler(new AuthHandler(new Authenticator(pool, config.security())));
    AuthHandler.mountScopes(router);
    new V1Routes(vertx, Keyring.fromConfig(config.security().encryptionKey())).mount(router);
    RouteTable.verify(router);
    Errors.mount(router, new RefusalAudit(pool));
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.http().host())
        .setPort(config.http().port()));
    return server.requestHandler(router).listen();
  }

  @Override
  public Future<?> stop() {
    return server.shutdown().eventually(health::close).eventually(() -> pool.close());
  }
}
