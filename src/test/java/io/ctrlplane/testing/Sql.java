package io.ctrlplane.testing;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/** Direct, blocking SQL against a test database, for assertions on rows the API does not show. */
public final class Sql implements AutoCloseable {
  private final Pool pool;

  public Sql(Vertx vertx, AppConfig config) {
    this.pool = PgPools.create(vertx, config.postgres(), "test-sql");
  }

  public Pool pool() {
    return pool;
  }

  public long count(String sql, Object... params) {
    Row row = Await.result(pool.preparedQuery(sql).execute(Tuple.from(params))).iterator().next();
    return row.getLong(0);
  }

  public java.util.List<Row> rows(String sql, Object... params) {
    java.util.List<Row> out = new java.util.ArrayList<>();
    Await.result(pool.preparedQuery(sql).execute(Tuple.from(params))).forEach(out::add);
    return out;
  }

  public java.util.List<Integer> ints(String sql, Object... params) {
    return rows(sql, params).stream().map(r -> r.getInteger(0)).toList();
  }

  public void update(String sql, Object... params) {
    Await.result(pool.preparedQuery(sql).execute(Tuple.from(params)));
  }

  @Override
  public void close() {
    Await.result(pool.close());
  }
}
