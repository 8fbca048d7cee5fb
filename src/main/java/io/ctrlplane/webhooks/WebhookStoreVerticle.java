package io.ctrlplane.webhooks;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.problem.ProblemReplies;
import io.ctrlplane.security.Caller;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers the webhook API's commands and queries over the event bus (runs with the api role). */
public class WebhookStoreVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WebhookStoreVerticle.class);
  private final AppConfig config;
  private Pool pool;

  public WebhookStoreVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-webhooks-api");
    WebhookStore store = new WebhookStore(pool);
    return Future.all(
        ProblemReplies.serve(
                vertx,
                Addresses.WEBHOOKS_CREATE,
                m ->
                    store
                        .create(m.getJsonObject("body"), Caller.from(m))
                        .onSuccess(
                            w ->
                                log.info(
                                    "webhook {} created for {}",
                                    w.getString("id"),
                                    w.getJsonArray("event_types"))),
                log)
            .completion(),
        ProblemReplies.serve(
                vertx,
                Addresses.WEBHOOKS_LIST,
                m -> store.list(tenant(m), m.getInteger("limit"), m.getString("cursor")),
                log)
            .completion(),
        ProblemReplies.serve(
                vertx, Addresses.WEBHOOKS_GET, m -> store.get(tenant(m), m.getString("id")), log)
            .completion(),
        ProblemReplies.serve(
                vertx,
                Addresses.WEBHOOKS_DELETE,
                m ->
                    store
                        .delete(m.getString("id"), Caller.from(m))
                        .onSuccess(w -> log.info("webhook {} deleted", w.getString("id"))),
                log)
            .completion(),
        ProblemReplies.serve(
                vertx,
                Addresses.WEBHOOKS_DELIVERIES,
                m ->
                    store.deliveries(
                        tenant(m), m.getString("id"), m.getInteger("limit"), m.getString("cursor")),
                log)
            .completion());
  }

  private static String tenant(io.vertx.core.json.JsonObject message) {
    return Caller.from(message).tenantId();
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}
