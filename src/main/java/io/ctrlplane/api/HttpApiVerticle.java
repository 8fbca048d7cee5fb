package io.ctrlplane.api;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.store.PgPools;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;

/** The HTTP API: routes, validation and problem+json errors. Talks to the store over the event bus. */
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
    health.mount(router);
    new V1Routes(vertx).mount(router);
    Errors.mount(router);
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
