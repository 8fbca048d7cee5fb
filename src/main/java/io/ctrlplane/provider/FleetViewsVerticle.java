package io.ctrlplane.provider;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.problem.ProblemReplies;
import io.ctrlplane.provider.process.ReplicaLogs;
import io.ctrlplane.security.Caller;
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
 * Answers the API's fleet views: what runs on an instance, its fleet timeline, and a process
 * replica's output. Each asks the provider that runs the instance, so the store never needs to know
 * a provider (or an agent) exists.
 */
public class FleetViewsVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(FleetViewsVerticle.class);
  private final AppConfig config;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Pool pool;

  public FleetViewsVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-fleet-views");
    Providers providers = new Providers(vertx, pool, config.agent().token());
    handle(
        Addresses.FLEET_GET,
        m ->
            providerOf(m, "id")
                .compose(p -> providers.forName(p).status(m.getString("id")))
                .map(FleetStatus::toJson));
    handle(
        Addresses.FLEET_TIMELINE,
        m ->
            providerOf(m, "instance_id")
                .compose(
                    p ->
                        providers
                            .forName(p)
                            .timeline(
                                m.getString("instance_id"),
                                m.getInteger("limit"),
                                m.getString("cursor"))));
    ReplicaLogs logs = new ReplicaLogs(pool, providers.agents());
    handle(
        Addresses.REPLICA_LOGS,
        m ->
            logs.tail(
                Caller.from(m).tenantId(),
                m.getString("instance_id"),
                m.getString("replica_id"),
                m.getInteger("tail")));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }

  /** The provider of the instance named by {@code field}, within the caller's tenant. */
  private Future<String> providerOf(JsonObject message, String field) {
    return Instances.owned(pool, Caller.from(message).tenantId(), message.getString(field));
  }

  private void handle(String address, Function<JsonObject, Future<JsonObject>> handler) {
    consumers.add(ProblemReplies.serve(vertx, address, handler, log));
  }
}
