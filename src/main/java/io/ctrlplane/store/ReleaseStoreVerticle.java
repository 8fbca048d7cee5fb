package io.ctrlplane.store;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Command;
import io.ctrlplane.bus.Compare;
import io.ctrlplane.bus.Get;
import io.ctrlplane.bus.PageQuery;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the store's PostgreSQL pool and answers the API's commands and queries over the event bus
 * ({@link Addresses.ReleaseStore}). Failures travel back as the problem document the API will send,
 * with its status as failure code.
 */
public class ReleaseStoreVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ReleaseStoreVerticle.class);
  private final AppConfig config;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Pool pool;
  private long pruneTimer;
  private long retentionTimer;

  public ReleaseStoreVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-store");
    ReleaseStore store = new ReleaseStore(pool);
    write(
        Addresses.ReleaseStore.INSTANCES_CREATE,
        c -> store.createInstance(c.body(), key(c), c.caller()));
    write(
        Addresses.ReleaseStore.DEPLOYMENTS_CREATE,
        c -> store.createDeployment(c.body(), key(c), c.caller()));
    write(
        Addresses.ReleaseStore.DEPLOYMENTS_ROLLBACK,
        c -> store.rollback(c.body(), key(c), c.caller()));
    write(Addresses.ReleaseStore.INSTANCES_DELETE, c -> store.delete(c.id(), key(c), c.caller()));
    write(Addresses.ReleaseStore.INSTANCES_RESTART, c -> store.restart(c.id(), key(c), c.caller()));
    write(Addresses.ReleaseStore.INSTANCES_PATCH, c -> store.patch(c.body(), key(c), c.caller()));
    write(Addresses.ReleaseStore.RELEASES_CONFIG, c -> store.config(c.body(), key(c), c.caller()));
    serve(
        Addresses.ReleaseStore.RELEASES_DIFF,
        Compare.class,
        c -> ReleaseDiff.of(pool, c.caller().tenantId(), c.id(), c.against()));
    write(Addresses.ReleaseStore.DEPLOYMENTS_CANCEL, c -> store.cancel(c.id(), key(c), c.caller()));
    get(Addresses.ReleaseStore.INSTANCES_GET, g -> Queries.instance(pool, tenant(g), g.id()));
    get(Addresses.ReleaseStore.DEPLOYMENTS_GET, g -> Queries.deployment(pool, tenant(g), g.id()));
    get(Addresses.ReleaseStore.RELEASES_GET, g -> Queries.release(pool, tenant(g), g.id()));
    list(
        Addresses.ReleaseStore.INSTANCES_LIST,
        q -> Queries.instances(pool, tenant(q), q.limit(), q.cursor()));
    list(
        Addresses.ReleaseStore.RELEASES_LIST,
        q -> Queries.releases(pool, tenant(q), q.scopeId(), q.limit(), q.cursor()));
    list(
        Addresses.ReleaseStore.DEPLOYMENTS_LIST,
        q -> Queries.deployments(pool, tenant(q), q.scopeId(), q.limit(), q.cursor()));
    Freezes freezes = new Freezes(pool);
    serve(
        Addresses.ReleaseStore.FREEZES_CREATE,
        Command.class,
        c -> freezes.create(c.body(), c.caller()));
    serve(
        Addresses.ReleaseStore.FREEZES_DELETE,
        Command.class,
        c -> freezes.delete(c.id(), c.caller()));
    get(Addresses.ReleaseStore.FREEZES_GET, g -> freezes.get(tenant(g), g.id()));
    list(
        Addresses.ReleaseStore.FREEZES_LIST,
        q -> freezes.list(tenant(q), q.scopeId(), q.limit(), q.cursor()));
    StrategyTemplates templates = new StrategyTemplates(pool);
    serve(
        Addresses.ReleaseStore.STRATEGIES_CREATE,
        Command.class,
        c -> templates.create(c.body(), c.caller()));
    serve(
        Addresses.ReleaseStore.STRATEGIES_DELETE,
        Command.class,
        c -> templates.delete(c.id(), c.caller()));
    get(Addresses.ReleaseStore.STRATEGIES_GET, g -> templates.get(tenant(g), g.id()));
    list(
        Addresses.ReleaseStore.STRATEGIES_LIST,
        q -> templates.list(tenant(q), q.limit(), q.cursor()));
    pruneTimer = vertx.setPeriodic(3_600_000, id -> Idempotency.prune(pool));
    Retention retention = new Retention(pool, Retention.DEFAULT_DAYS, Retention.DEFAULT_BATCH);
    retentionTimer =
        vertx.setPeriodic(
            Retention.EVERY_MS,
            id ->
                retention
                    .prune()
                    .onFailure(e -> log.warn("retention pruning failed: {}", e.toString())));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(pruneTimer);
    vertx.cancelTimer(retentionTimer);
    return pool.close();
  }

  private static String tenant(Get get) {
    return get.caller().tenantId();
  }

  private static String tenant(PageQuery query) {
    return query.caller().tenantId();
  }

  private static Idempotency.Key key(Command command) {
    return Idempotency.Key.from(command.idempotency());
  }

  /**
   * A command that wrote to the outbox: after commit, wake the relay and the runners in this JVM.
   */
  private void write(String address, Function<Command, Future<JsonObject>> command) {
    serve(
        address,
        Command.class,
        c ->
            command
                .apply(c)
                .onSuccess(
                    reply -> {
                      vertx.eventBus().publish(Addresses.OUTBOX_COMMITTED, null);
                      vertx.eventBus().publish(Addresses.DEPLOYMENTS_RUNNABLE, null);
                    }));
  }

  private void get(String address, Function<Get, Future<JsonObject>> query) {
    serve(address, Get.class, query);
  }

  private void list(String address, Function<PageQuery, Future<JsonObject>> query) {
    serve(address, PageQuery.class, query);
  }

  private <R extends Record> void serve(
      String address, Class<R> type, Function<R, Future<JsonObject>> handler) {
    consumers.add(Bus.serve(vertx, address, type, handler, log));
  }
}
