package io.ctrlplane.analysis;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.lifecycle.AnalysisRecords;
import io.ctrlplane.problem.ProblemReplies;
import io.ctrlplane.security.Caller;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the API's {@code GET /v1/deployments/{id}/analysis}: the stored measurements of a
 * deployment of the caller's tenant.
 */
public class AnalysisViewsVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(AnalysisViewsVerticle.class);
  private final AppConfig config;
  private Pool pool;

  public AnalysisViewsVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-analysis-views");
    AnalysisRecords records = new AnalysisRecords(pool);
    MessageConsumer<?> consumer =
        ProblemReplies.serve(
            vertx,
            Addresses.ANALYSIS_GET,
            m -> records.list(Caller.from(m).tenantId(), m.getString("id")),
            log);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}
