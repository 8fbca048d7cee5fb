package io.ctrlplane.problem;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Tells a failure that says "a dependency cannot be reached right now" (PostgreSQL refused or
 * dropped the connection, the pool gave up waiting for one, a store did not answer in time) from
 * every other failure. Such a failure is the client's cue to retry later (503 with Retry-After),
 * not a bug to hide behind a 500: nothing was written, and it goes away by itself when the database
 * is back.
 */
public final class Unreachable {
  /** SQLSTATEs of a server that is going away or not taking connections. */
  private static final Set<String> SERVER_GONE = Set.of("57P01", "57P02", "57P03", "53300");

  static final Problem DATABASE =
      Problem.of(
          503,
          "Service Unavailable",
          "the database cannot be reached right now; nothing was changed, retry later");

  private Unreachable() {}

  /** True when {@code failure} (or a cause of it) is a database or store that cannot be reached. */
  public static boolean isUnreachable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof ClosedConnectionException
          || t instanceof TimeoutException) {
        return true;
      }
      if (t instanceof PgException pg
          && pg.getSqlState() != null
          && (pg.getSqlState().startsWith("08") || SERVER_GONE.contains(pg.getSqlState()))) {
        return true;
      }
      if (t instanceof ReplyException re
          && (re.failureType() == ReplyFailure.TIMEOUT
              || re.failureType() == ReplyFailure.NO_HANDLERS)) {
        return true;
      }
      String message = t.getMessage();
      if (message != null
          && (message.contains("Connection refused")
              || message.contains("Connection closed")
              || message.contains("Timeout while waiting for a connection")
              || message.contains("Pool closed"))) {
        return true;
      }
    }
    return false;
  }
}
