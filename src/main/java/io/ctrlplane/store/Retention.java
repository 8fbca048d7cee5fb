package io.ctrlplane.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * Retention: prunes provider timelines ({@code sim_timeline}, {@code proc_timeline}, {@code
 * k8s_timeline}) and the router's per-second traffic counts ({@code proc_traffic}) older than the
 * instance's {@code retention_days}, or the global default when it has none. Never releases,
 * deployments, audit records, events or analysis measurements.
 *
 * <p>Rows go in batches of {@code batchSize}, each in its own short transaction ({@code DELETE …
 * WHERE ctid IN (SELECT … LIMIT n)}), so no lock is held long; each batch first takes a
 * transaction-scoped advisory lock with {@code pg_try_advisory_xact_lock}, so when several
 * processes run the timer only one prunes at a time (the others skip the round).
 */
public final class Retention {
  /** The advisory lock key of pruning ("cp-retention"). */
  /** Rows older than this many days go, unless the instance sets its own retention_days. */
  public static final int DEFAULT_DAYS = 30;

  /** Rows deleted per transaction. */
  public static final int DEFAULT_BATCH = 1000;

  /** How often a pruning round runs (hourly). */
  public static final long EVERY_MS = 3_600_000;

  static final long LOCK = 0x63702d726574L;

  private record Target(String table, String column) {}

  private static final List<Target> TARGETS =
      List.of(
          new Target("sim_timeline", "at"),
          new Target("proc_timeline", "at"),
          new Target("k8s_timeline", "at"),
          new Target("proc_traffic", "second"));

  private final Pool pool;
  private final int defaultDays;
  private final int batchSize;

  public Retention(Pool pool, int defaultDays, int batchSize) {
    if (defaultDays < 1 || batchSize < 1) {
      throw new IllegalArgumentException("retention days and batch size must be positive");
    }
    this.pool = pool;
    this.defaultDays = defaultDays;
    this.batchSize = batchSize;
  }

  /**
   * One pruning round over every table; the number of rows deleted (0 when another process held the
   * lock).
   */
  public Future<Long> prune() {
    Future<Long> total = Future.succeededFuture(0L);
    for (Target t : TARGETS) {
      total = total.compose(sum -> pruneTable(t, 0L).map(n -> sum + n));
    }
    return total;
  }

  private Future<Long> pruneTable(Target t, long deleted) {
    return batch(t)
        .compose(
            n ->
                n < batchSize
                    ? Future.succeededFuture(deleted + Math.max(n, 0))
                    : pruneTable(t, deleted + n));
  }

  /** One batch; -1 when another process holds the lock. */
  private Future<Integer> batch(Target t) {
    String sql =
        "DELETE FROM "
            + t.table()
            + " WHERE ctid IN (SELECT x.ctid FROM "
            + t.table()
            + " x JOIN instances i ON i.id = x.instance_id WHERE x."
            + t.column()
            + " < now() - make_interval(days => coalesce(i.retention_days, $1)) LIMIT $2)";
    return pool.withTransaction(
        conn ->
            conn.preparedQuery("SELECT pg_try_advisory_xact_lock($1) AS locked")
                .execute(Tuple.of(LOCK))
                .compose(
                    rs -> {
                      if (!rs.iterator().next().getBoolean("locked")) {
                        return Future.succeededFuture(-1);
                      }
                      return conn.query("SET LOCAL ctrlplane.retention = 'on'")
                          .execute()
                          .compose(
                              ok ->
                                  conn.preparedQuery(sql)
                                      .execute(Tuple.of(defaultDays, batchSize))
                                      .map(r -> r.rowCount()));
                    }));
  }
}
