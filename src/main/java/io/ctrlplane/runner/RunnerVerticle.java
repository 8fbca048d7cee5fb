package io.ctrlplane.runner;

import io.ctrlplane.analysis.Analyst;
import io.ctrlplane.analysis.MetricSources;
import io.ctrlplane.bus.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.lifecycle.AnalysisRecords;
import io.ctrlplane.lifecycle.Claim;
import io.ctrlplane.lifecycle.Leases;
import io.ctrlplane.provider.Providers;
import io.ctrlplane.security.Keyring;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims runnable deployments through leases in PostgreSQL and drives each through its strategy's
 * plan ({@link Execution}) to a terminal state. Woken by the event bus (same JVM) or NOTIFY (other
 * processes), with a fallback poll, so runner processes can be added freely against one database.
 */
public class RunnerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RunnerVerticle.class);

  private final AppConfig config;
  private final String owner =
      "runner-"
          + ProcessHandle.current().pid()
          + "-"
          + UUID.randomUUID().toString().substring(0, 8);
  private final Set<String> active = new HashSet<>();
  private Pool pool;
  private Leases leases;
  private Providers providers;
  private Keyring keyring;
  private Analyst analyst;
  private MetricSources sources;
  private PgSubscriber subscriber;
  private long pollTimer;
  private boolean claiming;
  private boolean stopping;

  public RunnerVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = pool();
    leases = new Leases(pool, owner, config.runner().leaseSeconds());
    providers = new Providers(vertx, pool, config.agent().token());
    keyring = Keyring.fromConfig(config.security().encryptionKey());
    sources = new MetricSources(vertx);
    analyst = new Analyst(new AnalysisRecords(pool), sources);
    vertx.eventBus().localConsumer(Addresses.DEPLOYMENTS_RUNNABLE, m -> claimLoop());
    pollTimer = vertx.setPeriodic(config.runner().pollMs(), id -> claimLoop());
    subscriber =
        PgSubscriber.subscriber(vertx, PgPools.connectOptions(config.postgres()))
            .reconnectPolicy(n -> n < 20 ? 500L : -1L);
    subscriber.channel(Addresses.PG_CHANNEL_RUNNABLE).handler(p -> claimLoop());
    return subscriber
        .connect()
        .onSuccess(
            v -> {
              log.info("runner {} ready", owner);
              claimLoop();
            });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(pollTimer);
    return leases
        .releaseAll()
        .onSuccess(v -> log.info("runner {} handed back {} lease(s)", owner, active.size()))
        .eventually(() -> subscriber.close())
        .eventually(() -> sources.close())
        .eventually(() -> pool.close());
  }

  /**
   * The runner's pool. A runner frozen inside a transaction (a long GC pause, SIGSTOP) would keep
   * the deployment row locked and its lease could never move: PostgreSQL ends such a session after
   * a lease.
   */
  private Pool pool() {
    PgConnectOptions connect = PgPools.connectOptions(config.postgres());
    connect.addProperty(
        "idle_in_transaction_session_timeout",
        String.valueOf(config.runner().leaseSeconds() * 1000));
    return PgBuilder.pool()
        .with(
            new PoolOptions()
                .setMaxSize(config.postgres().poolSize())
                .setName("ctrlplane-runner")
                .setShared(true))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }

  /** Claims until there is nothing runnable or every slot is busy. */
  private void claimLoop() {
    if (claiming || stopping || active.size() >= config.runner().maxConcurrent()) {
      return;
    }
    claiming = true;
    leases
        .claimNext()
        .onComplete(
            ar -> {
              claiming = false;
              if (ar.failed()) {
                log.warn("runner {}: claim failed: {}", owner, ar.cause().getMessage());
              } else if (ar.result() != null) {
                execute(ar.result());
                claimLoop();
              }
            });
  }

  private void execute(Claim claim) {
    active.add(claim.deploymentId());
    log.info(
        "deployment {} of instance {} running on {} (epoch {}{})",
        claim.deploymentId(),
        claim.instanceId(),
        owner,
        claim.epoch(),
        claim.resumed() ? ", resumed" : "");
    long heartbeat =
        vertx.setPeriodic(
            Math.max(1000, config.runner().leaseSeconds() * 1000L / 3),
            id -> leases.heartbeat(claim));
    new Execution(vertx, pool, claim, providers, keyring, analyst, () -> stopping)
        .run()
        .onComplete(
            ar -> {
              vertx.cancelTimer(heartbeat);
              active.remove(claim.deploymentId());
              if (ar.failed()) {
                log.warn(
                    "deployment {}: runner {} stopped driving it: {}",
                    claim.deploymentId(),
                    owner,
                    ar.cause().getMessage());
              }
              claimLoop();
            });
  }
}
