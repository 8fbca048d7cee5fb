package io.ctrlplane.analysis;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Get;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.lifecycle.AnalysisRecords;
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
        Bus.serve(
            vertx,
            Addresses.AnalysisViews.MEASUREMENTS_GET,
            Get.class,
            g -> records.list(g.caller().tenantId(), g.id()),
            log);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}
