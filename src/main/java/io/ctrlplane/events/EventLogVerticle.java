package io.ctrlplane.events;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.problem.ProblemReplies;
import io.ctrlplane.problem.Refusal;
import io.ctrlplane.security.Caller;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers the replay API's queries on the retained event log (runs with the api role). */
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
    return ProblemReplies.serve(
            vertx,
            Addresses.EVENTS_LIST,
            m ->
                OutboxLog.page(
                        pool, Caller.from(m).tenantId(), m.getLong("after"), m.getInteger("limit"))
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
