package io.ctrlplane.store;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.problem.ProblemReplies;
import io.ctrlplane.security.Caller;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the store's PostgreSQL pool and answers the API's commands and queries over the event bus.
 * Failures travel back as the problem document the API will send, with its status as failure code.
 */
public class ReleaseStoreVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ReleaseStoreVerticle.class);
  private final AppConfig config;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Pool pool;
  private long pruneTimer;

  public ReleaseStoreVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-store");
    ReleaseStore store = new ReleaseStore(pool);
    write(
        Addresses.INSTANCES_CREATE,
        m -> store.createInstance(m.getJsonObject("body"), key(m), Caller.from(m)));
    write(
        Addresses.DEPLOYMENTS_CREATE,
        m -> store.createDeployment(m.getJsonObject("body"), key(m), Caller.from(m)));
    write(
        Addresses.DEPLOYMENTS_ROLLBACK,
        m -> store.rollback(m.getJsonObject("body"), key(m), Caller.from(m)));
    write(
        Addresses.DEPLOYMENTS_CANCEL, m -> store.cancel(m.getString("id"), key(m), Caller.from(m)));
    handle(Addresses.INSTANCES_GET, m -> Queries.instance(pool, tenant(m), m.getString("id")));
    handle(Addresses.DEPLOYMENTS_GET, m -> Queries.deployment(pool, tenant(m), m.getString("id")));
    handle(Addresses.RELEASES_GET, m -> Queries.release(pool, tenant(m), m.getString("id")));
    handle(
        Addresses.INSTANCES_LIST,
        m -> Queries.instances(pool, tenant(m), m.getInteger("limit"), m.getString("cursor")));
    handle(
        Addresses.RELEASES_LIST,
        m ->
            Queries.releases(
                pool,
                tenant(m),
                m.getString("instance_id"),
                m.getInteger("limit"),
                m.getString("cursor")));
    handle(
        Addresses.DEPLOYMENTS_LIST,
        m ->
            Queries.deployments(
                pool,
                tenant(m),
                m.getString("instance_id"),
                m.getInteger("limit"),
                m.getString("cursor")));
    pruneTimer = vertx.setPeriodic(3_600_000, id -> Idempotency.prune(pool));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(pruneTimer);
    return pool.close();
  }

  private static String tenant(JsonObject message) {
    return Caller.from(message).tenantId();
  }

  private static Idempotency.Key key(JsonObject message) {
    return Idempotency.Key.from(message.getJsonObject("idempotency"));
  }

  /**
   * A command that wrote to the outbox: after commit, wake the relay and the runners in this JVM.
   */
  private void write(String address, Function<JsonObject, Future<JsonObject>> command) {
    handle(
        address,
        m ->
            command
                .apply(m)
                .onSuccess(
                    reply -> {
                      vertx.eventBus().publish(Addresses.OUTBOX_COMMITTED, null);
                      vertx.eventBus().publish(Addresses.DEPLOYMENTS_RUNNABLE, null);
                    }));
  }

  private void handle(String address, Function<JsonObject, Future<JsonObject>> handler) {
    consumers.add(
        vertx
            .eventBus()
            .<JsonObject>consumer(
                address,
                msg -> {
                  Future<JsonObject> result;
                  try {
                    result = handler.apply(msg.body());
                  } catch (RuntimeException e) {
                    result = Future.failedFuture(e);
                  }
                  result.onSuccess(msg::reply).onFailure(e -> fail(msg, e));
                }));
  }

  private static void fail(Message<JsonObject> msg, Throwable e) {
    ProblemReplies.fail(msg, e, log);
  }
}
