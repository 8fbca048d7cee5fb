package io.ctrlplane.store;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Bus;
import io.ctrlplane.bus.Command;
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
 * Answers the API's rollout-control commands ({@link Addresses.ControlStore}: pause, resume,
 * promote). Fleet views and replica logs are answered by the provider feature ({@code
 * provider/FleetViewsVerticle}).
 */
public class ControlStoreVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ControlStoreVerticle.class);
  private final AppConfig config;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Pool pool;

  public ControlStoreVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-control");
    ControlStore control = new ControlStore(pool);
    handle(Addresses.ControlStore.DEPLOYMENTS_PAUSE, c -> control.pause(c.id(), c.caller()));
    handle(Addresses.ControlStore.DEPLOYMENTS_RESUME, c -> control.resume(c.id(), c.caller()));
    handle(
        Addresses.ControlStore.DEPLOYMENTS_PROMOTE,
        c -> control.promote(c.id(), c.body().getBoolean("full", false), c.caller()));
    handle(
        Addresses.ControlStore.DEPLOYMENTS_APPROVE,
        c -> control.decide(c.id(), true, c.body().getString("reason"), c.caller()));
    handle(
        Addresses.ControlStore.DEPLOYMENTS_REJECT,
        c -> control.decide(c.id(), false, c.body().getString("reason"), c.caller()));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }

  private void handle(String address, Function<Command, Future<JsonObject>> handler) {
    consumers.add(Bus.serve(vertx, address, Command.class, handler, log));
  }
}
