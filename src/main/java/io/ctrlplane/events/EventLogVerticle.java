package io.ctrlplane.events;

import io.ctrlplane.Addresses;
import io.ctrlplane.api.ApiException;
import io.ctrlplane.api.Problem;
import io.ctrlplane.api.ProblemReplies;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.security.Caller;
import io.ctrlplane.store.PgPools;
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
                                    ? new ApiException(Problem.of(410, "Gone", gone.getMessage()))
                                    : e)),
            log)
        .completion();
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}
