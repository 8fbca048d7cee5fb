package io.ctrlplane.runner;

import io.ctrlplane.analysis.Analyst;
import io.ctrlplane.analysis.MetricSources;
import io.ctrlplane.bus.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.lifecycle.AnalysisRecords;
import io.ctrlplane.lifecycle.Checkpoints;
import io.ctrlplane.lifecycle.Claim;
import io.ctrlplane.lifecycle.LeaseLost;
import io.ctrlplane.lifecycle.Leases;
import io.ctrlplane.lifecycle.LifecycleMetrics;
import io.ctrlplane.lifecycle.ProgressWrites;
import io.ctrlplane.lifecycle.RunnerLoad;
import io.ctrlplane.provider.Providers;
import io.ctrlplane.security.Keyring;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims runnable deployments through leases in PostgreSQL and drives each through its strategy's
 * plan ({@link Execution}) to a terminal state. Woken by the event bus (same JVM) or NOTIFY (other
 * processes), with a fallback poll, so runner processes can be added freely against one database.
 *
 * <p>A deployment alive here costs memory, not a slot: {@code runner.max_active} bounds how many it
 * holds (it claims no more beyond, so another runner process takes the rest), {@code
 * runner.max_concurrent} how many moves run at once ({@link Dispatcher}). Its database work is
 * batched: claims in batches, one heartbeat statement per period for every lease it holds (which
 * also tells it which leases it lost and whose controls changed), and a NOTIFY on {@link
 * Addresses#PG_CHANNEL_CONTROL} to wake the deployment a user just promoted, paused or cancelled.
 */
public class RunnerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RunnerVerticle.class);

  private final AppConfig config;
  private final String owner =
      "runner-"
          + ProcessHandle.current().pid()
          + "-"
          + UUID.randomUUID().toString().substring(0, 8);
  private static final int CLAIM_BATCH = 100;

  /** How often the healer (when this runner holds its lease) looks at the instances. */
  private static final long HEAL_MS = 1000;

  private final Map<String, Execution> active = new LinkedHashMap<>();
  private final Map<String, String> controls = new HashMap<>();
  private final DispatchStats stats = new DispatchStats();
  private Dispatcher dispatcher;
  private Admission admission;
  private boolean heldBack;
  private Pool pool;
  private Leases leases;
  private ProgressWrites progressWrites;
  private Checkpoints checkpoints;
  private Providers providers;
  private Keyring keyring;
  private Healer healer;
  private long healTimer;
  private Analyst analyst;
  private HookCaller hookCaller;
  private MetricSources sources;
  private PgSubscriber subscriber;
  private long pollTimer;
  private long heartbeatTimer;
  private long statsTimer;
  private boolean beating;
  private boolean claiming;
  private boolean stopping;

  public RunnerVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = pool();
    leases = new Leases(pool, owner, config.runner().leaseSeconds());
    progressWrites = new ProgressWrites(pool);
    checkpoints = new Checkpoints(pool, progressWrites);
    providers = new Providers(vertx, pool, config.agent().token(), config.kubernetes());
    keyring = Keyring.fromConfig(config.security().encryptionKey());
    dispatcher = new Dispatcher(config.runner().maxConcurrent(), stats);
    admission =
        new Admission(config.runner().maxActive(), config.runner().maxConcurrent(), CLAIM_BATCH);
    dispatcher.afterMove(this::backlogShrank);
    sources = new MetricSources(vertx);
    analyst = new Analyst(new AnalysisRecords(pool), sources);
    RunnerMetrics.started(this);
    hookCaller =
        new HookCaller(
            vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false)),
            pool);
    vertx.eventBus().localConsumer(Addresses.DEPLOYMENTS_RUNNABLE, m -> claimLoop());
    pollTimer = vertx.setPeriodic(config.runner().pollMs(), id -> claimLoop());
    healer =
        new Healer(pool, providers, keyring, owner, Math.max(3, config.runner().leaseSeconds()));
    healTimer = vertx.setPeriodic(HEAL_MS, id -> healer.tick());
    heartbeatTimer =
        vertx.setPeriodic(
            Math.max(1000, config.runner().leaseSeconds() * 1000L / 3), id -> heartbeat());
    statsTimer = vertx.setPeriodic(config.runner().statsMs(), id -> logStats());
    subscriber =
        PgSubscriber.subscriber(vertx, PgPools.connectOptions(config.postgres()))
            .reconnectPolicy(n -> n < 20 ? 500L : -1L);
    subscriber.channel(Addresses.PG_CHANNEL_RUNNABLE).handler(p -> claimLoop());
    subscriber.channel(Addresses.PG_CHANNEL_CONTROL).handler(this::controlChanged);
    return subscriber
        .connect()
        .onSuccess(
            v -> {
              log.info("runner {} ready", owner);
              heartbeat(); // advertise at once, not a period later
              claimLoop();
            });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    RunnerMetrics.stopped(this);
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(statsTimer);
    vertx.cancelTimer(healTimer);
    return leases
        .releaseAll()
        .eventually(() -> healer.release())
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

  /**
   * Claims, a batch at a time, until there is nothing runnable or the runner is over one of its
   * limits ({@link Admission}): what it leaves is for another runner, or for itself once under.
   */
  private void claimLoop() {
    if (claiming || stopping) {
      return;
    }
    int batch = admission.claimable(active.size(), dispatcher.queued());
    if (batch <= 0) {
      heldBack = active.size() < config.runner().maxActive();
      return;
    }
    heldBack = false;
    claiming = true;
    leases
        .claim(batch)
        .onComplete(
            ar -> {
              claiming = false;
              if (ar.failed()) {
                log.warn("runner {}: claim failed: {}", owner, ar.cause().getMessage());
              } else if (!ar.result().isEmpty()) {
                ar.result().forEach(this::execute);
                claimLoop();
              }
            });
  }

  private void execute(Claim claim) {
    log.info(
        "deployment {} of instance {} running on {} (epoch {}{})",
        claim.deploymentId(),
        claim.instanceId(),
        owner,
        claim.epoch(),
        claim.resumed() ? ", resumed" : "");
    Execution execution =
        new Execution(
            vertx,
            pool,
            checkpoints,
            claim,
            providers,
            keyring,
            analyst,
            hookCaller,
            () -> stopping,
            dispatcher,
            config.runner().recheckMaxMs());
    active.put(claim.deploymentId(), execution);
    execution
        .run()
        .onComplete(
            ar -> {
              active.remove(claim.deploymentId());
              controls.remove(claim.deploymentId());
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

  /** Admission was held back by a backlog of due moves: claim again once it is short. */
  private void backlogShrank() {
    if (heldBack && admission.admitting(active.size(), dispatcher.queued())) {
      heldBack = false;
      claimLoop();
    }
  }

  private RunnerLoad load() {
    return new RunnerLoad(
        config.runner().maxActive(),
        config.runner().maxConcurrent(),
        active.size(),
        dispatcher.inFlight(),
        dispatcher.queued(),
        admission.admitting(active.size(), dispatcher.queued()));
  }

  /** A user changed a deployment's controls: wake it if this runner holds it. */
  private void controlChanged(String deploymentId) {
    Execution execution = active.get(deploymentId);
    if (execution != null) {
      execution.wake();
    }
  }

  /**
   * One statement for every lease held, which also advertises the runner's load: a lease it no
   * longer finds is lost (that deployment stops here), controls that changed since the last beat
   * wake their deployment (a NOTIFY missed while the listener reconnected is caught here).
   */
  private void heartbeat() {
    if (beating || stopping) {
      return;
    }
    beating = true;
    List<Execution> beat = new ArrayList<>(active.values());
    leases
        .heartbeat(beat.stream().map(Execution::claim).toList(), load())
        .onComplete(
            ar -> {
              beating = false;
              if (ar.failed()) {
                log.warn("runner {}: heartbeat failed: {}", owner, ar.cause().getMessage());
                return;
              }
              Map<String, String> held = ar.result();
              for (Execution e : beat) {
                String id = e.claim().deploymentId();
                String now = held.get(id);
                if (now == null) {
                  LifecycleMetrics.leaseLost();
                  e.leaseLost(new LeaseLost(e.claim()));
                } else {
                  String before = controls.put(id, now);
                  if (before != null && !before.equals(now)) {
                    // the first beat only notes the controls: waking every deployment claimed
                    // since the last beat would queue a burst of moves that change nothing
                    e.wake();
                  }
                }
              }
            });
  }

  /** For /metrics: read off the verticle's context, a momentary size is all a gauge needs. */
  int activeCount() {
    return active.size();
  }

  int queuedMoves() {
    return dispatcher == null ? 0 : dispatcher.queued();
  }

  private void logStats() {
    String line = stats.drainLine();
    if (line != null || !active.isEmpty()) {
      log.info(
          "runner {} stats: active={} due={} in_flight={} {} progress_rows={}/statements={}",
          owner,
          active.size(),
          dispatcher.queued(),
          dispatcher.inFlight(),
          line == null ? "moves=0" : line,
          progressWrites.rows(),
          progressWrites.statements());
    }
  }
}
