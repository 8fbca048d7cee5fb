package io.ctrlplane.runner;

import io.ctrlplane.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.runner.Leases.Claim;
import io.ctrlplane.store.PgPools;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims runnable deployments through leases in PostgreSQL and drives them to a terminal state.
 * Woken by the event bus (same JVM) or NOTIFY (other processes), with a fallback poll, so runner
 * processes can be added freely against one database.
 */
public class RunnerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RunnerVerticle.class);
  private static final int MAX_CONCURRENT = 8;
  private static final long CHECK_INTERVAL_MS = 100;

  private final AppConfig config;
  private final String owner = "runner-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
  private final Set<String> active = new HashSet<>();
  private Pool pool;
  private Leases leases;
  private PgSubscriber subscriber;
  private long pollTimer;
  private boolean claiming;
  private boolean stopping;

  public RunnerVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-runner");
    leases = new Leases(pool, owner, config.runner().leaseSeconds());
    vertx.eventBus().localConsumer(Addresses.DEPLOYMENTS_RUNNABLE, m -> claimLoop());
    pollTimer = vertx.setPeriodic(config.runner().pollMs(), id -> claimLoop());
    subscriber = PgSubscriber.subscriber(vertx, PgPools.connectOptions(config.postgres()))
        .reconnectPolicy(n -> n < 20 ? 500L : -1L);
    subscriber.channel(Addresses.PG_CHANNEL_RUNNABLE).handler(p -> claimLoop());
    return subscriber.connect().onSuccess(v -> {
      log.info("runner {} ready", owner);
      claimLoop();
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(pollTimer);
    return leases.releaseAll()
        .onSuccess(v -> log.info("runner {} handed back {} lease(s)", owner, active.size()))
        .eventually(() -> subscriber.close())
        .eventually(() -> pool.close());
  }

  /** Claims until there is nothing runnable or every slot is busy. */
  private void claimLoop() {
    if (claiming || stopping || active.size() >= MAX_CONCURRENT) {
      return;
    }
    claiming = true;
    leases.claimNext().onComplete(ar -> {
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
    log.info("deployment {} of instance {} running on {} (epoch {}{})", claim.deploymentId(), claim.instanceId(),
        owner, claim.epoch(), claim.resumed() ? ", resumed" : "");
    long heartbeat = vertx.setPeriodic(Math.max(1000, config.runner().leaseSeconds() * 1000L / 3),
        id -> leases.heartbeat(claim));
    rollout(claim)
        .onComplete(ar -> {
          vertx.cancelTimer(heartbeat);
          active.remove(claim.deploymentId());
          if (ar.failed()) {
            log.warn("deployment {}: runner {} stopped driving it: {}", claim.deploymentId(), owner, ar.cause().getMessage());
          }
          claimLoop();
        });
  }

  private Future<Void> rollout(Claim claim) {
    return pool.preparedQuery("SELECT i.provider_config, r.image, d.strategy_params FROM deployments d "
            + "JOIN instances i ON i.id = d.instance_id JOIN releases r ON r.id = d.release_id WHERE d.id = $1")
        .execute(Tuple.of(claim.deploymentId()))
        .compose(rs -> {
          var row = rs.iterator().next();
          SimulatedRollout sim = SimulatedRollout.of(row.getJsonObject("provider_config"), row.getString("image"));
          long deadlineMs = row.getJsonObject("strategy_params").getLong("progress_deadline_seconds", 600L) * 1000;
          return leases.progress(claim, new JsonObject().put("phase", "starting").put("message",
                  "starting replicas of " + row.getString("image") + " (simulated)"))
              .compose(v -> drive(claim, sim, deadlineMs, row.getString("image")));
        });
  }

  private Future<Void> drive(Claim claim, SimulatedRollout sim, long deadlineMs, String image) {
    if (sim.failStart()) {
      return finish(claim, leases.end(claim, "failed", "replicas of " + image + " failed to start (simulator fault fail_start)"));
    }
    long waitMs = sim.neverReady() ? deadlineMs : sim.readyAfterMs();
    return waitWatchingCancel(claim, waitMs).compose(cancelled -> {
      if (cancelled) {
        return finish(claim, leases.end(claim, "cancelled", "cancelled while running"));
      }
      if (sim.neverReady()) {
        return finish(claim, leases.end(claim, "failed", "replicas of " + image
            + " did not become ready within progress_deadline_seconds (" + deadlineMs / 1000 + " s)"));
      }
      return leases.succeed(claim).compose(won -> won ? logEnd(claim, "succeeded")
          // a cancel was requested just before success: the cancel wins, the deployment reverts
          : finish(claim, leases.end(claim, "cancelled", "cancelled while running")));
    });
  }

  private Future<Void> finish(Claim claim, Future<Boolean> end) {
    return end.compose(done -> done ? logEnd(claim, "ended") : Future.failedFuture(new Leases.LeaseLost(claim)));
  }

  private Future<Void> logEnd(Claim claim, String how) {
    log.info("deployment {} {}", claim.deploymentId(), how);
    return Future.succeededFuture();
  }

  /** Waits up to {@code ms}, polling the cancel flag; completes true as soon as a cancel is seen. */
  private Future<Boolean> waitWatchingCancel(Claim claim, long ms) {
    Promise<Boolean> done = Promise.promise();
    long until = System.currentTimeMillis() + ms;
    check(claim, until, done);
    return done.future();
  }

  private void check(Claim claim, long until, Promise<Boolean> done) {
    leases.cancelRequested(claim).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        done.complete(true);
      } else if (stopping) {
        done.fail("runner is stopping; the lease is handed back");
      } else if (System.currentTimeMillis() >= until) {
        done.complete(false);
      } else {
        vertx.setTimer(Math.min(CHECK_INTERVAL_MS, Math.max(1, until - System.currentTimeMillis())),
            id -> check(claim, until, done));
      }
    });
  }
}
