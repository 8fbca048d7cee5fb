package io.ctrlplane.db;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.ConnectException;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the Flyway migrations under {@code db/migration}; JDBC, so it runs on a worker thread.
 */
public final class Migrations {
  private Migrations() {}

  public static Future<MigrateResult> migrate(Vertx vertx, AppConfig.Postgres pg) {
    return vertx.executeBlocking(() -> migrateBlocking(pg), false);
  }

  public static MigrateResult migrateBlocking(AppConfig.Postgres pg) {
    try {
      return Flyway.configure()
          .dataSource(pg.jdbcUrl(), pg.user(), pg.password())
          .locations("classpath:db/migration")
          .connectRetries(0)
          .load()
          .migrate();
    } catch (RuntimeException e) {
      throw explain(pg, e);
    }
  }

  /** Turns a Flyway/JDBC failure into the one line an operator needs. */
  static ConfigException explain(AppConfig.Postgres pg, Throwable e) {
    Throwable t = e;
    while (t != null) {
      if (t instanceof ConnectException || t instanceof java.net.UnknownHostException) {
        return new ConfigException(
            "cannot reach PostgreSQL at "
                + pg.host()
                + ":"
                + pg.port()
                + " ("
                + t.getClass().getSimpleName()
                + "): check CTRLPLANE_PG_URL");
      }
      if (t instanceof SQLException sql && "28P01".equals(sql.getSQLState())) {
        return new ConfigException(
            "PostgreSQL rejected user '"
                + pg.user()
                + "' (bad password): check CTRLPLANE_PG_USER and CTRLPLANE_PG_PASSWORD");
      }
      if (t instanceof SQLException sql && "3D000".equals(sql.getSQLState())) {
        return new ConfigException(
            "PostgreSQL database '"
                + pg.database()
                + "' does not exist: create it or fix CTRLPLANE_PG_URL");
      }
      t = t.getCause();
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return new ConfigException(
        "database migration failed against "
            + pg.url()
            + ": "
            + String.valueOf(root.getMessage()).lines().findFirst().orElse(""));
  }
}
