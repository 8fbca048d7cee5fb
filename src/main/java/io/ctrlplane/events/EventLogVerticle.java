package io.ctrlplane.events;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.PageQuery;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the replay API's queries on the retained event log ({@link Addresses.EventLog}; runs with
 * the api role). The page's cursor is the {@code after} sequence number.
 */
public class EventLogVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(EventLogVerticle.class);
  private final AppConfig config;
  private Pool pool;

  public EventLogVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-event-log");
    return Bus.serve(
            vertx,
            Addresses.EventLog.EVENTS_LIST,
            PageQuery.class,
            q ->
                OutboxLog.page(pool, q.caller().tenantId(), Long.parseLong(q.cursor()), q.limit())
                    .recover(
                        e ->
                            Future.failedFuture(
                                e instanceof OutboxLog.Gone gone
                                    ? Refusal.gone(gone.getMessage())
                                    : e)),
            log)
        .completion();
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}
