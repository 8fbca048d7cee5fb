package io.ctrlplane.app;

import io.ctrlplane.agent.AgentVerticle;
import io.ctrlplane.analysis.AnalysisViewsVerticle;
import io.ctrlplane.api.HttpApiVerticle;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.config.ConfigException;
import io.ctrlplane.config.Role;
import io.ctrlplane.db.Migrations;
import io.ctrlplane.events.EventLogVerticle;
import io.ctrlplane.events.EventRelayVerticle;
import io.ctrlplane.events.KafkaSetup;
import io.ctrlplane.provider.FleetViewsVerticle;
import io.ctrlplane.runner.RunnerVerticle;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.security.SecurityStoreVerticle;
import io.ctrlplane.store.ControlStoreVerticle;
import io.ctrlplane.store.ReleaseStoreVerticle;
import io.ctrlplane.webhooks.WebhookDispatcherVerticle;
import io.ctrlplane.webhooks.WebhookStoreVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.net.BindException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the roles this process plays: migrate the schema, make sure the events topic exists, then
 * deploy the verticles of each role. Undeploying it stops them in reverse order.
 */
public class MainVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(MainVerticle.class);
  private final AppConfig config;

  public MainVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    try {
      Keyring.fromConfig(
          config.security().encryptionKey()); // a malformed key stops the start, not a deploy
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    warnIfAuthDisabled();
    return Migrations.migrate(vertx, config.postgres())
        .onSuccess(
            r ->
                log.info(
                    "database schema at version {} ({} migrations applied)",
                    r.targetSchemaVersion,
                    r.migrationsExecuted))
        .compose(
            r ->
                needsKafka()
                    ? KafkaSetup.ensureTopic(vertx, config.kafka())
                    : Future.succeededFuture())
        .compose(v -> deployStore())
        // agents before runners: in one JVM, a runner's first placement finds this host's agent
        .compose(v -> deployIf(Role.AGENT, () -> new AgentVerticle(config), 1))
        .compose(v -> deployIf(Role.RELAY, () -> new EventRelayVerticle(config), 1))
        .compose(
            v ->
                deployIf(
                    Role.RUNNER, () -> new RunnerVerticle(config), config.runner().instances()))
        .compose(v -> deployIf(Role.WEBHOOKS, () -> new WebhookDispatcherVerticle(config), 1))
        .compose(
            v -> deployIf(Role.API, () -> new HttpApiVerticle(config), config.http().instances()))
        .recover(this::explain);
  }

  /** Said at every start, so a forgotten test setting cannot hide in a production process. */
  private void warnIfAuthDisabled() {
    if (!config.security().authEnabled() && config.roles().contains(Role.API)) {
      log.warn(
          "AUTHENTICATION IS DISABLED (security.auth_enabled=false / CTRLPLANE_AUTH_ENABLED=false): every "
              + "request to /v1 acts as an admin of the default tenant; never run like this where others can reach the API");
    }
  }

  private boolean needsKafka() {
    return config.roles().contains(Role.API)
        || config.roles().contains(Role.RELAY)
        || config.roles().contains(Role.WEBHOOKS);
  }

  private Future<Void> deployStore() {
    return config.roles().contains(Role.API)
        ? vertx
            .deployVerticle(new ReleaseStoreVerticle(config))
            .compose(id -> vertx.deployVerticle(new ControlStoreVerticle(config)))
            .compose(id -> vertx.deployVerticle(new FleetViewsVerticle(config)))
            .compose(id -> vertx.deployVerticle(new AnalysisViewsVerticle(config)))
            .compose(id -> vertx.deployVerticle(new EventLogVerticle(config)))
            .compose(id -> vertx.deployVerticle(new WebhookStoreVerticle(config)))
            .compose(id -> vertx.deployVerticle(new SecurityStoreVerticle(config)))
            .mapEmpty()
        : Future.succeededFuture();
  }

  private Future<Void> deployIf(Role role, Supplier<VerticleBase> factory, int instances) {
    if (!config.roles().contains(role)) {
      return Future.succeededFuture();
    }
    return vertx
        .deployVerticle(factory::get, new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> log.info("role {} started ({} instance(s))", role.wire(), instances))
        .mapEmpty();
  }

  private Future<Void> explain(Throwable e) {
    if (e instanceof BindException || e.getCause() instanceof BindException) {
      return Future.failedFuture(
          new ConfigException(
              "HTTP port "
                  + config.http().port()
                  + " on "
                  + config.http().host()
                  + " is already in use: set CTRLPLANE_HTTP_PORT"));
    }
    return Future.failedFuture(e);
  }
}
