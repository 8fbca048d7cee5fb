package io.ctrlplane.runner;

import io.ctrlplane.analysis.Analyst;
import io.ctrlplane.deploy.codec.DeployJson;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.Replica;
import io.ctrlplane.provider.ReplicaStatus;
import io.ctrlplane.security.Keyring;
import io.ctrlplane.strategy.Side;
import io.ctrlplane.strategy.Step;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One attempt at one step: compare the fleet with the step's desired state, ask the provider for
 * the difference, and say whether the step is done. Acting only on a difference is what makes a
 * step safe to repeat, by this runner on the next tick or by another after a crash.
 */
final class StepAttempt {
  private final RolloutContext ctx;
  private final Provider provider;
  private final Keyring keyring;
  private final Analyst analyst;

  /** What an inconclusive analysis waits on (a pause: promote accepts, cancel reverts). */
  static final String INCONCLUSIVE = "analysis_inconclusive";

  /** What an approval gate waits on. */
  static final String APPROVAL = "approval";

  private final HookCaller hooks;
  private final Runnable wake;

  StepAttempt(
      RolloutContext ctx,
      Provider provider,
      Keyring keyring,
      Analyst analyst,
      HookCaller hooks,
      Runnable wake) {
    this.hooks = hooks;
    this.wake = wake;
    this.ctx = ctx;
    this.provider = provider;
    this.keyring = keyring;
    this.analyst = analyst;
  }

  Future<Outcome> attempt(Step step, int index, FleetStatus fleet, Control control) {
    if (step instanceof Step.EnsureReady s) {
      return ensureReady(s, fleet);
    }
    if (step instanceof Step.ScaleDown s) {
      return scaleDown(s, fleet);
    }
    if (step instanceof Step.StopOthers s) {
      return stopOthers(s, fleet);
    }
    if (step instanceof Step.SetTraffic s) {
      return setTraffic(s, fleet);
    }
    if (step instanceof Step.Renew s) {
      return renew(s, fleet);
    }
    if (step instanceof Step.Retire s) {
      return retire(s, fleet);
    }
    if (step instanceof Step.Pause s) {
      return Future.succeededFuture(pause(s, index, control));
    }
    if (step instanceof Step.Approval s) {
      return Future.succeededFuture(approval(s, index, control));
    }
    if (step instanceof Step.Hook s) {
      return hooks.attempt(ctx, s, index, wake);
    }
    if (step instanceof Step.ReleasePhase) {
      return hooks.releasePhase().attempt(ctx, provider, keyring, wake);
    }
    return analysis((Step.Analysis) step, index, fleet, control);
  }

  private Future<Outcome> ensureReady(Step.EnsureReady s, FleetStatus fleet) {
    ReleaseRef release = ctx.release(s.side());
    boolean replace = fleet.firstUnhealthy(release.id()).isPresent();
    if (fleet.healthyKept(release.id()) < s.replicas() || replace) {
      ReleaseRef withEnv;
      try {
        withEnv = provider.opensSecrets() ? release : ctx.handOff(s.side(), keyring);
      } catch (Keyring.Unreadable e) {
        // no replica can start without its configuration: fail (and revert) with a message naming
        // the key
        return Future.succeededFuture(new Outcome.Failed(e.getMessage()));
      }
      return provider
          .runReplicas(ctx.fence(), withEnv, s.replicas())
          .map(
              v ->
                  new Outcome.Waiting(
                      "readiness",
                      "starting replicas of " + ctx.label(s.side()),
                      true,
                      // a rollback may have adopted warm replicas, ready now: look again at once
                      release.rollbackOf() != null ? 1 : Outcome.Waiting.RECHECK));
    }
    int ready = fleet.readyFor(release.id(), Duration.ofSeconds(s.minReadySeconds()));
    if (ready >= s.replicas()) {
      return Future.succeededFuture(Outcome.DONE);
    }
    String min = s.minReadySeconds() > 0 ? " for " + s.minReadySeconds() + " s" : "";
    return Future.succeededFuture(
        new Outcome.Waiting(
            "readiness",
            ready + " of " + s.replicas() + " replicas of " + ctx.label(s.side()) + " ready" + min,
            true));
  }

  /**
   * A new generation of the live release: replicas this deployment started are its own; the rest
   * are older ones, which keep serving until {@link #retire} stops them.
   */
  private Future<Outcome> renew(Step.Renew s, FleetStatus fleet) {
    ReleaseRef release = ctx.release(Side.NEW);
    String mine = ctx.claim().deploymentId();
    List<Replica> fresh =
        fleet.of(release.id()).stream().filter(r -> mine.equals(r.deploymentId())).toList();
    long healthy =
        fresh.stream().filter(r -> !r.status().unhealthy() && !r.scheduledToStop()).count();
    boolean replace = fresh.stream().anyMatch(r -> r.status().unhealthy());
    if (healthy < s.replicas() || replace) {
      ReleaseRef withEnv;
      try {
        withEnv = provider.opensSecrets() ? release : ctx.handOff(Side.NEW, keyring);
      } catch (Keyring.Unreadable e) {
        return Future.succeededFuture(new Outcome.Failed(e.getMessage()));
      }
      return provider
          .renewReplicas(ctx.fence(), withEnv, s.replicas())
          .map(
              v ->
                  new Outcome.Waiting(
                      "readiness", "starting new replicas of " + ctx.label(Side.NEW), true));
    }
    long ready = fresh.stream().filter(r -> r.status() == ReplicaStatus.READY).count();
    if (ready >= s.replicas()) {
      return Future.succeededFuture(Outcome.DONE);
    }
    return Future.succeededFuture(
        new Outcome.Waiting(
            "readiness",
            ready + " of " + s.replicas() + " new replicas of " + ctx.label(Side.NEW) + " ready",
            true));
  }

  private Future<Outcome> retire(Step.Retire s, FleetStatus fleet) {
    ReleaseRef release = ctx.release(Side.NEW);
    String mine = ctx.claim().deploymentId();
    long older =
        fleet.of(release.id()).stream()
            .filter(r -> !mine.equals(r.deploymentId()) && !r.scheduledToStop())
            .count();
    if (older <= s.keep()) {
      return Future.succeededFuture(Outcome.DONE);
    }
    return provider.retireReplicas(ctx.fence(), release.id(), s.keep()).map(Outcome.DONE);
  }

  private Future<Outcome> scaleDown(Step.ScaleDown s, FleetStatus fleet) {
    ReleaseRef release = ctx.release(s.side());
    if (release == null) {
      return Future.succeededFuture(Outcome.DONE);
    }
    int counted =
        s.delaySeconds() > 0 ? fleet.unscheduled(release.id()) : fleet.running(release.id());
    if (counted <= s.replicas()) {
      return Future.succeededFuture(Outcome.DONE);
    }
    return provider
        .stopReplicas(ctx.fence(), release.id(), s.replicas(), s.delaySeconds())
        .map(Outcome.DONE);
  }

  private Future<Outcome> stopOthers(Step.StopOthers s, FleetStatus fleet) {
    Set<String> keep = new HashSet<>();
    s.keep()
        .forEach(
            side -> {
              if (ctx.release(side) != null) {
                keep.add(ctx.release(side).id());
              }
            });
    List<String> others = fleet.releases().stream().filter(r -> !keep.contains(r)).toList();
    Future<Void> chain = Future.succeededFuture();
    for (String release : others) {
      chain = chain.compose(v -> provider.stopReplicas(ctx.fence(), release, 0, 0));
    }
    return chain.map(Outcome.DONE);
  }

  private Future<Outcome> setTraffic(Step.SetTraffic s, FleetStatus fleet) {
    Map<String, Integer> weights = new HashMap<>();
    s.weights()
        .forEach(
            (side, w) -> {
              if (ctx.release(side) != null) {
                weights.put(ctx.release(side).id(), w);
              }
            });
    if (weights.equals(fleet.weights())) {
      return Future.succeededFuture(Outcome.DONE);
    }
    return provider.setTraffic(ctx.fence(), weights).map(Outcome.DONE);
  }

  private Outcome pause(Step.Pause s, int index, Control control) {
    if (control.promoted(index)) {
      return Outcome.DONE;
    }
    if (s.untilPromote()) {
      return new Outcome.Waiting(
          "pause",
          "paused until promoted: POST /v1/deployments/" + ctx.claim().deploymentId() + "/promote",
          false,
          Outcome.Waiting.ON_EVENT);
    }
    long leftMs = s.seconds() * 1000L - control.stepElapsedMs();
    return leftMs <= 0
        ? Outcome.DONE
        : new Outcome.Waiting(
            "pause",
            "pausing " + s.seconds() + " s, " + seconds(leftMs) + " s left",
            false,
            leftMs);
  }

  /**
   * The approval gate: approved goes on, rejected fails (and reverts), and without a decision it
   * waits, costing no slot, until the decision's event wakes it or the timeout fails it.
   */
  private Outcome approval(Step.Approval s, int index, Control control) {
    String decision = control.approval(index);
    if ("approved".equals(decision)) {
      return Outcome.DONE;
    }
    if ("rejected".equals(decision)) {
      return new Outcome.Failed("rejected by " + control.approvalBy());
    }
    long leftMs = s.timeoutSeconds() * 1000L - control.stepElapsedMs();
    if (leftMs <= 0) {
      return new Outcome.Failed(
          "no approval within " + s.timeoutSeconds() + " s (approval timeout)");
    }
    String id = ctx.claim().deploymentId();
    return new Outcome.Waiting(
        APPROVAL,
        "waiting for approval: POST /v1/deployments/"
            + id
            + "/approve or /reject (a key with the 'approve' scope, not the initiator's); "
            + seconds(leftMs)
            + " s left",
        false,
        leftMs);
  }

  /**
   * Takes the measurements that are due and reads the verdicts: go on when the analysis succeeded,
   * fail (and revert) when it failed, and pause when it is inconclusive, until someone promotes
   * (accepting the release) or cancels (reverting it), or the progress deadline ends it.
   */
  private Future<Outcome> analysis(Step.Analysis s, int index, FleetStatus fleet, Control control) {
    if (control.promoted(index)) {
      return Future.succeededFuture(Outcome.DONE);
    }
    Analyst.Target target =
        new Analyst.Target(
            ctx.claim(),
            index,
            provider,
            ctx.newRelease(),
            ctx.oldRelease(),
            DeployJson.doc(
                ProgressReport.of(
                    ctx,
                    ProgressReport.ROLLING_OUT,
                    index,
                    ctx.plan().steps().size(),
                    s,
                    fleet,
                    "analysing " + ctx.label(Side.NEW),
                    "analysis")));
    return analyst
        .tick(s.spec(), target, control.stepElapsedMs())
        .map(
            status ->
                switch (status.phase()) {
                  case SUCCESSFUL -> Outcome.DONE;
                  case FAILED -> new Outcome.Failed(status.message());
                  case INCONCLUSIVE -> new Outcome.Waiting(INCONCLUSIVE, status.message(), true);
                  case RUNNING -> new Outcome.Waiting("analysis", status.message(), false);
                });
  }

  private static String seconds(long ms) {
    return String.format(Locale.ROOT, "%.1f", ms / 1000.0);
  }
}
