package io.ctrlplane.runner;

import io.ctrlplane.analysis.Analyst;
import io.ctrlplane.deploy.DeploymentState;
import io.ctrlplane.deploy.Doc;
import io.ctrlplane.deploy.codec.DeployJson;
import io.ctrlplane.lifecycle.Checkpoints;
import io.ctrlplane.lifecycle.Claim;
import io.ctrlplane.lifecycle.Endings;
import io.ctrlplane.lifecycle.LeaseLost;
import io.ctrlplane.ops.IdLogger;
import io.ctrlplane.ops.LogIds;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.Providers;
import io.ctrlplane.provider.Replica;
import io.ctrlplane.provider.ReplicaStatus;
import io.ctrlplane.provider.StaleEpochException;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.strategy.Plan;
import io.ctrlplane.strategy.Side;
import io.ctrlplane.strategy.Step;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.LoggerFactory;

/**
 * Drives one claimed deployment through its plan, one move at a time: read the control state, then
 * either attempt the current step, checkpoint a finished one, stand still while paused, or revert.
 * Every move starts from what the database says, never from memory, so another runner can take over
 * between any two moves.
 *
 * <p>Between moves a deployment is a state machine at rest, not a held worker: a move says when the
 * next one is due (now, when a pause or analysis window ends, a readiness re-check with back-off,
 * or never: only a user's command moves it), a timer or a {@link #wake()} puts it in the runner's
 * {@link Dispatcher}, and the dispatcher bounds how many moves run at once. A deployment paused for
 * days costs its fields and nothing else.
 */
final class Execution {
  private final IdLogger log;
  static final long TICK_MS = 100;
  private static final long RETRY_MS = 500;
  private static final long NOW = 0;
  private static final long FINISHED = -1;
  private static final long ON_EVENT = Outcome.Waiting.ON_EVENT;

  private final Vertx vertx;
  private final Pool pool;
  private final Claim claim;
  private final Checkpoints checkpoints;
  private final Endings endings;
  private final Providers providers;
  private final BooleanSupplier stopping;
  private final Keyring keyring;
  private final Dispatcher dispatcher;
  private final long recheckMaxMs;
  private final Analyst analyst;
  private final HookCaller hooks;
  private final Promise<Void> finished = Promise.promise();
  private RolloutContext ctx;
  private Provider provider;
  private StepAttempt attempts;
  private JsonObject lastGist;
  private long timer = -1;
  private long backgroundSinceNanos;
  private boolean prepared;
  private boolean queued;
  private boolean moving;
  private boolean wakeRequested;
  private Throwable lost;

  /** The error of the last move, while moves keep failing (a database or provider error). */
  private Throwable failing;

  Execution(
      Vertx vertx,
      Pool pool,
      Checkpoints checkpoints,
      Claim claim,
      Providers providers,
      Keyring keyring,
      Analyst analyst,
      HookCaller hooks,
      BooleanSupplier stopping,
      Dispatcher dispatcher,
      long recheckMaxMs) {
    this.keyring = keyring;
    this.analyst = analyst;
    this.hooks = hooks;
    this.vertx = vertx;
    this.pool = pool;
    this.claim = claim;
    this.log =
        new IdLogger(
            LoggerFactory.getLogger(Execution.class),
            LogIds.ROLE,
            "runner",
            LogIds.DEPLOYMENT_ID,
            claim.deploymentId(),
            LogIds.INSTANCE_ID,
            claim.instanceId());
    this.checkpoints = checkpoints;
    this.endings = new Endings(pool);
    this.providers = providers;
    this.stopping = stopping;
    this.dispatcher = dispatcher;
    this.recheckMaxMs = Math.max(TICK_MS, recheckMaxMs);
  }

  Claim claim() {
    return claim;
  }

  /**
   * Completes when the deployment reached a terminal state; fails when this runner stopped driving
   * it.
   */
  Future<Void> run() {
    submit(System.nanoTime());
    return finished.future();
  }

  /** Something may have changed (a user's command, a heartbeat that saw new controls): move now. */
  void wake() {
    if (finished.future().isComplete() || queued) {
      return;
    }
    if (moving) {
      wakeRequested = true;
      return;
    }
    vertx.cancelTimer(timer);
    timer = -1;
    submit(System.nanoTime());
  }

  /** The lease is gone (the heartbeat did not find it): stop driving, at once if at rest. */
  void leaseLost(Throwable cause) {
    lost = cause;
    if (!moving && !queued) {
      vertx.cancelTimer(timer);
      finished.tryFail(cause);
    }
  }

  private void submit(long dueAtNanos) {
    queued = true;
    String fairness = ctx == null ? claim.instanceId() : ctx.tenantId();
    dispatcher.submit(fairness, dueAtNanos, this::turn);
  }

  /** One move, run by the dispatcher; completes when the move is over. */
  private Future<Void> turn() {
    queued = false;
    if (lost != null) {
      finished.tryFail(lost);
      return Future.succeededFuture();
    }
    if (stopping.getAsBoolean()) {
      finished.tryFail("runner is stopping; the lease is handed back");
      return Future.succeededFuture();
    }
    moving = true;
    wakeRequested = false;
    Future<Long> move =
        prepared
            ? Control.read(pool, claim).compose(this::move)
            : RolloutContext.load(pool, claim)
                .compose(this::prepare)
                .map(
                    runnable -> {
                      prepared = true;
                      return runnable ? NOW : FINISHED;
                    });
    return move.transform(
        ar -> {
          moving = false;
          after(ar);
          return Future.succeededFuture();
        });
  }

  private void after(AsyncResult<Long> ar) {
    if (ar.succeeded() || !prepared) {
      failing = null;
    }
    if (ar.succeeded() && ar.result() == FINISHED) {
      finished.tryComplete();
    } else if (lost != null) {
      finished.tryFail(lost);
    } else if (ar.succeeded()) {
      schedule(wakeRequested ? NOW : ar.result());
    } else if (ar.cause() instanceof LeaseLost || ar.cause() instanceof StaleEpochException) {
      finished.tryFail(ar.cause());
    } else if (!prepared) {
      finished.tryFail(ar.cause());
    } else {
      // a database or provider hiccup: every move is repeatable, so simply try again, until the
      // progress deadline (checked at the start of the next move) says it has lasted too long
      failing = ar.cause();
      log.warn(
          "deployment {}: move failed, retrying: {}", claim.deploymentId(), ar.cause().toString());
      RunnerMetrics.retried("error");
      schedule(RETRY_MS);
    }
  }

  private void schedule(long delayMs) {
    if (delayMs == ON_EVENT) {
      return; // at rest: a wake() or the heartbeat moves it
    }
    if (delayMs <= NOW) {
      submit(System.nanoTime());
      return;
    }
    long dueAt = System.nanoTime() + delayMs * 1_000_000;
    timer =
        vertx.setTimer(
            delayMs,
            id -> {
              timer = -1;
              submit(dueAt);
            });
  }

  /**
   * When to look again at a step that waits: when it ends on its own, or, for readiness, after a
   * tenth of the time already waited (100 ms at first, at most {@code runner.recheck_max_ms}): a
   * replica that took 30 s to become ready is noticed within about 3 s, and a thousand slow ones do
   * not keep the runner busy polling.
   */
  private long waitFor(Outcome.Waiting w, Control c) {
    if (w.wakeInMs() != Outcome.Waiting.RECHECK) {
      return w.wakeInMs();
    }
    long delay = Math.min(Math.max(TICK_MS, c.stepElapsedMs() / 10), recheckMaxMs);
    long deadlineLeft = ctx.deadlineMs() - c.stepElapsedMs();
    return Math.max(TICK_MS, Math.min(delay, deadlineLeft + 1));
  }

  /**
   * Stores the plan of a fresh deployment; false when the deployment cannot run at all (and was
   * ended).
   */
  private Future<Boolean> prepare(RolloutContext loaded) {
    ctx = loaded;
    log.with(LogIds.TENANT, ctx.tenantId());
    try {
      provider = providers.forName(ctx.provider());
    } catch (IllegalArgumentException e) {
      // no runner of this build can drive it: end it rather than let runners pass it around forever
      log.error("deployment {}: {}", claim.deploymentId(), e.getMessage());
      return endings
          .end(
              claim,
              DeploymentState.FAILED,
              e.getMessage(),
              doc(ProgressReport.of(ctx, "failed", 0, 0, null, null, e.getMessage(), null)),
              null)
          .map(false);
    }
    attempts = new StepAttempt(ctx, provider, keyring, analyst, hooks, this::wake);
    if (ctx.planIsStored()) {
      return Future.succeededFuture(true);
    }
    Plan plan = ctx.plan();
    log.info(
        "deployment {} plan ({} {} -> {}, {} steps): {}",
        claim.deploymentId(),
        plan.strategy(),
        ctx.oldRelease() == null ? "nothing" : ctx.label(Side.OLD),
        ctx.label(Side.NEW),
        plan.steps().size(),
        plan.steps().stream().map(Step::describe).toList());
    return checkpoints
        .savePlan(
            claim,
            plan,
            ProgressReport.doc(
                ctx,
                ProgressReport.ROLLING_OUT,
                0,
                plan.steps().size(),
                plan.steps().get(0),
                null,
                "starting",
                null))
        .map(true);
  }

  private Future<Long> move(Control c) {
    if (failing != null && c.stepElapsedMs() > ctx.deadlineMs()) {
      return failedPastDeadline(c);
    }
    if (c.aborting()) {
      return revert(c);
    }
    if (c.cancelRequested()) {
      return status().compose(fleet -> abort("cancelled", "cancelled on request", fleet));
    }
    List<Step> steps = ctx.plan().steps();
    int i = c.checkpoint();
    if (i >= steps.size()) {
      return succeed();
    }
    if (c.paused()) {
      return status()
          .compose(
              fleet ->
                  report(
                      ProgressReport.of(
                          ctx,
                          ProgressReport.PAUSED,
                          i,
                          steps.size(),
                          steps.get(i),
                          fleet,
                          "paused on request: POST /v1/deployments/"
                              + claim.deploymentId()
                              + "/resume to go on",
                          "pause")))
          .map(ON_EVENT);
    }
    if (c.fullPromote() && ctx.plan().canSkipFrom(i)) {
      return jump(i);
    }
    return status()
        .compose(
            fleet -> {
              Replica sick = fleet.firstUnhealthy(ctx.newRelease().id()).orElse(null);
              if (sick != null) {
                return abort(
                    "failed",
                    "replica "
                        + sick.id()
                        + " of v"
                        + sick.version()
                        + " "
                        + (sick.status() == ReplicaStatus.FAILED ? "failed to start" : "crashed")
                        + (sick.reason() == null ? "" : ": " + sick.reason()),
                    fleet);
              }
              Step step = steps.get(i);
              return background(i, fleet, c)
                  .compose(
                      judged ->
                          judged != null
                              ? Future.succeededFuture(judged)
                              : attempt(step, i, fleet, c))
                  .compose(outcome -> forward(c, i, step, fleet, outcome))
                  .map(wait -> backgroundWait(i, c, wait));
            });
  }

  /** Whether the plan's background analysis measures at step {@code i}. */
  private boolean backgroundActive(int i, Control c) {
    Plan.Background bg = ctx.plan().background();
    return bg != null && i >= bg.from() && !c.backgroundAccepted();
  }

  /**
   * Takes the background measurements that are due; an outcome that overrides the step's own when
   * the background analysis failed (the rollout fails now) or is inconclusive (the rollout pauses
   * until promoted, which accepts it, or cancelled), null otherwise.
   */
  private Future<Outcome> background(int i, FleetStatus fleet, Control c) {
    if (!backgroundActive(i, c)) {
      return Future.succeededFuture(null);
    }
    if (backgroundSinceNanos == 0) {
      backgroundSinceNanos = System.nanoTime();
    }
    Plan plan = ctx.plan();
    Analyst.Target target =
        new Analyst.Target(
            ctx.claim(),
            plan.backgroundStep(),
            provider,
            ctx.newRelease(),
            ctx.oldRelease(),
            doc(
                ProgressReport.of(
                    ctx,
                    ProgressReport.ROLLING_OUT,
                    i,
                    plan.steps().size(),
                    plan.steps().get(i),
                    fleet,
                    "background analysis of " + ctx.label(Side.NEW),
                    null)));
    long sinceMs = (System.nanoTime() - backgroundSinceNanos) / 1_000_000;
    return analyst
        .tickBackground(plan.background().spec(), target, sinceMs)
        .compose(
            status ->
                switch (status.phase()) {
                  case FAILED ->
                      Future.succeededFuture(new Outcome.Failed("background " + status.message()));
                  case INCONCLUSIVE ->
                      c.promoted(i)
                          ? checkpoints.acceptBackground(claim).map(v -> (Outcome) null)
                          : Future.succeededFuture(
                              new Outcome.Waiting(
                                  StepAttempt.INCONCLUSIVE,
                                  "background " + status.message(),
                                  true));
                  default -> Future.succeededFuture((Outcome) null);
                });
  }

  /** With a background analysis measuring, the next move comes in time for its next measurement. */
  private long backgroundWait(int i, Control c, long wait) {
    return wait < NOW || !backgroundActive(i, c) ? wait : Math.min(wait, backgroundTick());
  }

  private long backgroundTick() {
    int shortest =
        ctx.plan().background().spec().metrics().stream()
            .mapToInt(m -> m.intervalSeconds())
            .min()
            .orElse(1);
    return Math.max(TICK_MS, shortest * 1000L / 4);
  }

  private Future<Long> forward(Control c, int i, Step step, FleetStatus fleet, Outcome outcome) {
    List<Step> steps = ctx.plan().steps();
    if (outcome instanceof Outcome.Done) {
      log.info(
          "deployment {} step {}/{} done: {}",
          claim.deploymentId(),
          i + 1,
          steps.size(),
          step.describe());
      RunnerTraces.step(ctx, i, steps.size(), step.describe(), c.stepElapsedMs());
      Step next = i + 1 < steps.size() ? steps.get(i + 1) : null;
      JsonObject progress =
          ProgressReport.of(
              ctx,
              ProgressReport.ROLLING_OUT,
              i + 1,
              steps.size(),
              next,
              fleet,
              "step " + (i + 1) + " done: " + step.describe(),
              null);
      int finishFrom =
          ctx.plan().finishFrom() == Plan.NOT_PROMOTABLE ? steps.size() : ctx.plan().finishFrom();
      return checkpoints.advance(claim, i, finishFrom, doc(progress)).map(NOW);
    }
    if (outcome instanceof Outcome.Failed failed) {
      return abort("failed", failed.reason(), fleet);
    }
    Outcome.Waiting w = (Outcome.Waiting) outcome;
    if (w.underDeadline() && c.stepElapsedMs() > ctx.deadlineMs()) {
      return abort(
          "failed",
          "step "
              + (i + 1)
              + " of "
              + steps.size()
              + " ("
              + step.describe()
              + ") did not complete within progress_deadline_seconds ("
              + ctx.deadlineMs() / 1000
              + " s): "
              + w.message(),
          fleet);
    }
    boolean awaitingPromote =
        step instanceof Step.Pause p && p.untilPromote()
            || StepAttempt.INCONCLUSIVE.equals(w.blockedOn())
            || StepAttempt.APPROVAL.equals(w.blockedOn());
    String phase = awaitingPromote ? ProgressReport.PAUSED : ProgressReport.ROLLING_OUT;
    JsonObject progress =
        ProgressReport.of(ctx, phase, i, steps.size(), step, fleet, w.message(), w.blockedOn());
    Future<Void> reported =
        StepAttempt.APPROVAL.equals(w.blockedOn())
            ? checkpoints.approvalRequested(claim, i, doc(progress)).compose(v -> report(progress))
            : report(progress);
    return reported.map(waitFor(w, c));
  }

  /**
   * Moves kept failing (a database error that does not go away, a provider that cannot be read)
   * beyond the progress deadline: that is a wait like any other, so the deployment fails and
   * reverts, or, already reverting, ends with the revert failed (the instance degraded). The fleet
   * may be what cannot be read, so the report goes without it.
   */
  private Future<Long> failedPastDeadline(Control c) {
    String error = failing.getMessage() == null ? failing.toString() : failing.getMessage();
    String within =
        " did not complete within progress_deadline_seconds ("
            + ctx.deadlineMs() / 1000
            + " s): every attempt failed: "
            + error;
    if (c.aborting()) {
      int j = c.revertCheckpoint();
      List<Step> revert = ctx.plan().revert();
      String step = j < revert.size() ? " (" + revert.get(j).describe() + ")" : "";
      return end(c, "revert step " + (j + 1) + step + within);
    }
    List<Step> steps = ctx.plan().steps();
    int i = Math.min(c.checkpoint(), steps.size() - 1);
    return abort(
        "failed",
        "step " + (i + 1) + " of " + steps.size() + " (" + steps.get(i).describe() + ")" + within,
        null);
  }

  private Future<Long> jump(int from) {
    Plan plan = ctx.plan();
    log.info(
        "deployment {} promoted in full at step {}: skipping to step {}",
        claim.deploymentId(),
        from + 1,
        plan.finishFrom() + 1);
    return status()
        .compose(
            fleet ->
                checkpoints.jump(
                    claim,
                    from,
                    plan.finishFrom(),
                    ProgressReport.doc(
                        ctx,
                        ProgressReport.ROLLING_OUT,
                        plan.finishFrom(),
                        plan.steps().size(),
                        plan.steps().get(plan.finishFrom()),
                        fleet,
                        "promoted: skipping to the full rollout",
                        null)))
        .map(NOW);
  }

  private Future<Long> abort(String state, String reason, FleetStatus fleet) {
    List<Step> revert = ctx.plan().revert();
    log.warn(
        "deployment {} {}: {}; reverting to {}",
        claim.deploymentId(),
        state,
        reason,
        ctx.oldRelease() == null ? "nothing (first deploy)" : "v" + ctx.oldRelease().version());
    JsonObject progress =
        ProgressReport.of(
                ctx,
                ProgressReport.REVERTING,
                0,
                revert.size(),
                revert.get(0),
                fleet,
                "reverting: " + reason,
                null)
            .put("reverting_because", reason);
    return checkpoints
        .abort(claim, DeploymentState.fromWire(state), reason, doc(progress))
        .map(NOW);
  }

  private Future<Long> revert(Control c) {
    List<Step> steps = ctx.plan().revert();
    int j = c.revertCheckpoint();
    if (j >= steps.size()) {
      return end(c, null);
    }
    Step step = steps.get(j);
    return status()
        .compose(
            fleet ->
                attempt(step, j, fleet, c)
                    .compose(
                        outcome -> {
                          if (outcome instanceof Outcome.Done) {
                            log.info(
                                "deployment {} revert step {}/{} done: {}",
                                claim.deploymentId(),
                                j + 1,
                                steps.size(),
                                step.describe());
                            Step next = j + 1 < steps.size() ? steps.get(j + 1) : null;
                            return checkpoints
                                .advanceRevert(
                                    claim,
                                    j,
                                    doc(
                                        ProgressReport.of(
                                                ctx,
                                                ProgressReport.REVERTING,
                                                j + 1,
                                                steps.size(),
                                                next,
                                                fleet,
                                                "revert step "
                                                    + (j + 1)
                                                    + " done: "
                                                    + step.describe(),
                                                null)
                                            .put("reverting_because", c.abortReason())))
                                .map(NOW);
                          }
                          if (outcome instanceof Outcome.Failed failed) {
                            return end(
                                c,
                                "revert step "
                                    + (j + 1)
                                    + " ("
                                    + step.describe()
                                    + ") failed: "
                                    + failed.reason());
                          }
                          Outcome.Waiting w = (Outcome.Waiting) outcome;
                          if (c.stepElapsedMs() > ctx.deadlineMs()) {
                            return end(
                                c,
                                "revert step "
                                    + (j + 1)
                                    + " ("
                                    + step.describe()
                                    + ") did not complete within "
                                    + "progress_deadline_seconds ("
                                    + ctx.deadlineMs() / 1000
                                    + " s): "
                                    + w.message());
                          }
                          return report(
                                  ProgressReport.of(
                                          ctx,
                                          ProgressReport.REVERTING,
                                          j,
                                          steps.size(),
                                          step,
                                          fleet,
                                          w.message(),
                                          w.blockedOn())
                                      .put("reverting_because", c.abortReason()))
                              .map(waitFor(w, c));
                        }));
  }

  /** Ends a reverted deployment; {@code revertFailure} non-null marks the instance degraded. */
  private Future<Long> end(Control c, String revertFailure) {
    String error =
        revertFailure == null
            ? c.abortReason()
            : c.abortReason() + "; revert failed: " + revertFailure;
    if (revertFailure != null) {
      log.error(
          "deployment {}: {}; instance {} is degraded",
          claim.deploymentId(),
          revertFailure,
          claim.instanceId());
    }
    int n = ctx.plan().revert().size();
    return fleetIfReadable()
        .compose(
            fleet ->
                endings.end(
                    claim,
                    DeploymentState.fromWire(c.abortState()),
                    error,
                    ProgressReport.doc(ctx, c.abortState(), n, n, null, fleet, error, null),
                    revertFailure))
        .compose(won -> won ? logEnd(c.abortState()) : Future.failedFuture(new LeaseLost(claim)));
  }

  private Future<Long> succeed() {
    int n = ctx.plan().steps().size();
    return status()
        .compose(
            fleet ->
                endings.succeed(
                    claim,
                    ProgressReport.doc(
                        ctx,
                        "succeeded",
                        n,
                        n,
                        null,
                        fleet,
                        ctx.label(Side.NEW) + " is live",
                        null)))
        // lost the race to a cancel (or the lease): the next control read tells which
        .compose(won -> won ? logEnd("succeeded") : Future.succeededFuture(NOW));
  }

  private Future<Long> logEnd(String how) {
    log.info("deployment {} of instance {} {}", claim.deploymentId(), claim.instanceId(), how);
    return Future.succeededFuture(FINISHED);
  }

  private Future<FleetStatus> status() {
    return provider.status(claim.instanceId());
  }

  /** The fleet, or null when it cannot be read (the report of an ending goes without it). */
  private Future<FleetStatus> fleetIfReadable() {
    return failing == null ? status() : status().otherwise((FleetStatus) null);
  }

  /**
   * A provider error other than a refusal is something to wait out, under the progress deadline.
   */
  private Future<Outcome> attempt(Step step, int index, FleetStatus fleet, Control c) {
    return attempts
        .attempt(step, index, fleet, c)
        .recover(
            e -> {
              if (e instanceof StaleEpochException) {
                return Future.failedFuture(e);
              }
              RunnerMetrics.retried("provider_error");
              return Future.succeededFuture(
                  new Outcome.Waiting("provider", "provider error: " + e.getMessage(), true));
            });
  }

  /**
   * Writes progress when something a reader cares about changed (the heartbeat, one statement for
   * every deployment the runner holds, keeps {@code observed_at} fresh in between).
   */
  private Future<Void> report(JsonObject progress) {
    JsonObject gist = ProgressReport.gist(progress);
    if (gist.equals(lastGist)) {
      return Future.succeededFuture();
    }
    lastGist = gist;
    return checkpoints.progress(claim, doc(progress));
  }

  private static Doc doc(JsonObject progress) {
    return DeployJson.doc(progress);
  }
}
