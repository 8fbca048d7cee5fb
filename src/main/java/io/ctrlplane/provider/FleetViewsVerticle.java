package io.ctrlplane.provider;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Caller;
import io.ctrlplane.bus.Get;
import io.ctrlplane.bus.LogTail;
import io.ctrlplane.bus.PageQuery;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.provider.process.ReplicaLogs;
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
 * Answers the API's fleet views ({@link Addresses.FleetViews}): what runs on an instance, its fleet
 * timeline, and a process replica's output. Each asks the provider that runs the instance, so the
 * store never needs to know a provider (or an agent) exists.
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
    Providers providers = new Providers(vertx, pool, config.agent().token(), config.kubernetes());
    serve(
        Addresses.FleetViews.FLEET_GET,
        Get.class,
        g ->
            providerOf(g.caller(), g.id())
                .compose(p -> providers.forName(p).status(g.id()))
                .map(FleetStatus::toJson));
    serve(
        Addresses.FleetViews.FLEET_TIMELINE,
        PageQuery.class,
        q ->
            providerOf(q.caller(), q.scopeId())
                .compose(p -> providers.forName(p).timeline(q.scopeId(), q.limit(), q.cursor())));
    ReplicaLogs logs = new ReplicaLogs(pool, providers.agents());
    serve(
        Addresses.FleetViews.REPLICA_LOGS,
        LogTail.class,
        t ->
            providerOf(t.caller(), t.instanceId())
                .compose(
                    p ->
                        Providers.KUBERNETES.equals(p)
                            ? providers.kubernetes().logs(t.instanceId(), t.replicaId(), t.lines())
                            : logs.tail(
                                t.caller().tenantId(), t.instanceId(), t.replicaId(), t.lines())));
    serve(
        Addresses.FleetViews.RELEASE_PHASE_LOGS,
        Get.class,
        g -> ReleasePhaseLogs.read(pool, g.caller().tenantId(), g.id()));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }

  /** The provider of instance {@code id}, within the caller's tenant. */
  private Future<String> providerOf(Caller caller, String id) {
    return Instances.owned(pool, caller.tenantId(), id);
  }

  private <R extends Record> void serve(
      String address, Class<R> type, Function<R, Future<JsonObject>> handler) {
    consumers.add(Bus.serve(vertx, address, type, handler, log));
  }
}
