package io.ctrlplane.webhooks;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Command;
import io.ctrlplane.bus.Get;
import io.ctrlplane.bus.PageQuery;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the webhook API's commands and queries over the event bus ({@link
 * Addresses.WebhookStore}; runs with the api role).
 */
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
        serve(
            Addresses.WebhookStore.WEBHOOKS_CREATE,
            Command.class,
            c ->
                store
                    .create(c.body(), c.caller())
                    .onSuccess(
                        w ->
                            log.info(
                                "webhook {} created for {}",
                                w.getString("id"),
                                w.getJsonArray("event_types")))),
        serve(
            Addresses.WebhookStore.WEBHOOKS_LIST,
            PageQuery.class,
            q -> store.list(q.caller().tenantId(), q.limit(), q.cursor())),
        serve(
            Addresses.WebhookStore.WEBHOOKS_GET,
            Get.class,
            g -> store.get(g.caller().tenantId(), g.id())),
        serve(
            Addresses.WebhookStore.WEBHOOKS_DELETE,
            Command.class,
            c ->
                store
                    .delete(c.id(), c.caller())
                    .onSuccess(w -> log.info("webhook {} deleted", w.getString("id")))),
        serve(
            Addresses.WebhookStore.WEBHOOKS_DELIVERIES,
            PageQuery.class,
            q -> store.deliveries(q.caller().tenantId(), q.scopeId(), q.limit(), q.cursor())));
  }

  private <R extends Record> Future<Void> serve(
      String address, Class<R> type, Function<R, Future<JsonObject>> handler) {
    return Bus.serve(vertx, address, type, handler, log).completion();
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}
