package io.ctrlplane.db;

import io.ctrlplane.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/** Builds PostgreSQL pools and connect options from configuration. */
public final class PgPools {
  /** How long opening a connection, or waiting for one from a pool, may take before it fails. */
  static final int CONNECT_TIMEOUT_MS = 5000;

  private PgPools() {}

  public static PgConnectOptions connectOptions(AppConfig.Postgres pg) {
    return new PgConnectOptions()
        .setHost(pg.host())
        .setPort(pg.port())
        .setDatabase(pg.database())
        .setUser(pg.user())
        .setPassword(pg.password())
        .setCachePreparedStatements(true)
        .setReconnectAttempts(2)
        .setReconnectInterval(500);
  }

  public static Pool create(Vertx vertx, AppConfig.Postgres pg, String name) {
    return PgBuilder.pool()
        .with(
            new PoolOptions()
                .setMaxSize(pg.poolSize())
                .setName(name)
                .setShared(true)
                .setConnectionTimeout(CONNECT_TIMEOUT_MS)
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectingTo(connectOptions(pg))
        .using(vertx)
        .build();
  }
}
