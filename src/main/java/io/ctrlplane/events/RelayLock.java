package io.ctrlplane.events;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay lock, held by one PostgreSQL session of its own for as long as this relay publishes.
 * Holding it across batches (instead of one transaction per batch) lets the relay record each
 * acknowledged event as published within milliseconds, in short statements, so a relay that dies
 * leaves only what was in flight unmarked. A standby relay keeps its session and asks again at each
 * wake-up, one cheap query. The session ends with the process (PostgreSQL then releases the lock)
 * or on any error on it: the relay then stops publishing until it holds the lock again.
 */
final class RelayLock {
  private static final Logger log = LoggerFactory.getLogger(RelayLock.class);

  private final Vertx vertx;
  private final PgConnectOptions options;
  private final long key;
  private SqlConnection session;
  private boolean held;

  RelayLock(Vertx vertx, PgConnectOptions options, long key) {
    this.vertx = vertx;
    this.options = options;
    this.key = key;
  }

  /** The session holding the lock, or null when another relay holds it. */
  Future<SqlConnection> acquire() {
    if (session != null && held) {
      return Future.succeededFuture(session);
    }
    return session()
        .compose(
            conn ->
                conn.preparedQuery("SELECT pg_try_advisory_lock($1) AS locked")
                    .execute(Tuple.of(key))
                    .map(
                        rs -> {
                          held = rs.iterator().next().getBoolean("locked");
                          if (held) {
                            log.info("event relay: relay lock taken, this relay publishes");
                          }
                          return held ? conn : null;
                        }))
        .onFailure(e -> drop());
  }

  private Future<SqlConnection> session() {
    if (session != null) {
      return Future.succeededFuture(session);
    }
    return PgConnection.connect(vertx, options)
        .map(
            conn -> {
              session = conn;
              held = false;
              conn.closeHandler(
                  v -> {
                    if (session == conn) {
                      if (held) {
                        log.warn("event relay: the relay lock's session ended, publishing stops");
                      }
                      session = null;
                      held = false;
                    }
                  });
              return conn;
            });
  }

  /** Gives the lock up (closing its session), e.g. after an error on it; harmless when not held. */
  Future<Void> drop() {
    SqlConnection conn = session;
    session = null;
    held = false;
    return conn == null ? Future.succeededFuture() : conn.close().otherwiseEmpty();
  }
}
