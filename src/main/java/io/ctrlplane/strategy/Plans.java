package io.ctrlplane.strategy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans for a deployment: the strategy's forward steps, or the shared first-deploy plan when
 * nothing is live yet, plus the revert steps every strategy shares.
 */
public final class Plans {
  private Plans() {}

  /**
   * The plan for a deployment of {@code strategy} with its params as stored (normalized).
   *
   * @throws io.ctrlplane.deploy.ValidationException for an unknown strategy or params that no
   *     longer pass
   */
  public static Plan of(String strategy, int replicas, boolean hasPrevious, Map<String, ?> params) {
    return Strategies.registry().plan(strategy, replicas, hasPrevious, params);
  }

  /**
   * The plan for a deployment. With nothing live there is no traffic to protect, so every strategy
   * does the same (as Argo Rollouts does on a first rollout): start the full set, wait until it is
   * ready, send it all traffic.
   */
  public static <P extends StrategyParams> Plan of(Strategy<P> strategy, RolloutSpec<P> spec) {
    Plan forward =
        spec.hasPrevious()
            ? strategy.plan(spec)
            : firstDeploy(
                strategy.name(),
                spec.replicas(),
                strategy.firstDeployMinReadySeconds(spec.params()));
    return new Plan(
        strategy.name(),
        spec.replicas(),
        forward.steps(),
        forward.finishFrom(),
        revert(spec.replicas(), spec.hasPrevious()),
        spec.hasPrevious() ? forward.background() : null);
  }

  /**
   * A change of replica count for the release that is live (a deployment of kind {@code scale}):
   * the new count ready, any extra replicas stopped, all traffic on the release. Nothing is undone
   * when it is cancelled or fails: the replicas of the live release keep serving.
   */
  public static Plan scale(String strategy, int replicas) {
    return new Plan(
        strategy,
        replicas,
        List.of(
            new Step.EnsureReady(Side.NEW, replicas, 0),
            new Step.ScaleDown(Side.NEW, replicas, 0),
            new Step.SetTraffic(Map.of(Side.NEW, 100))),
        Plan.NOT_PROMOTABLE,
        List.of(new Step.SetTraffic(Map.of(Side.NEW, 100))));
  }

  /**
   * A rolling restart of the live release (a deployment of kind {@code restart}): one replica at a
   * time, a new one started and ready before an old one stops, so serving capacity never drops
   * below {@code replicas}. Nothing is undone when it is cancelled or fails: every replica running
   * then is of the live release, old or new.
   */
  public static Plan restart(String strategy, int replicas) {
    List<Step> steps = new java.util.ArrayList<>();
    steps.add(new Step.SetTraffic(Map.of(Side.NEW, 100)));
    for (int k = 1; k <= replicas; k++) {
      steps.add(new Step.Renew(k));
      steps.add(new Step.Retire(replicas - k));
    }
    return new Plan(strategy, replicas, steps, Plan.NOT_PROMOTABLE, List.of());
  }

  /**
   * The end of an instance (a deployment of kind {@code teardown}): no traffic, every replica of
   * every release stopped. Reverting it stops everything too: a teardown never brings replicas
   * back.
   */
  public static Plan teardown(String strategy, int replicas) {
    return new Plan(
        strategy,
        replicas,
        List.of(new Step.SetTraffic(Map.of()), new Step.StopOthers(Set.of())),
        Plan.NOT_PROMOTABLE,
        List.of(new Step.StopOthers(Set.of())));
  }

  static Plan firstDeploy(String strategy, int replicas, int minReady) {
    return new Plan(
        strategy,
        replicas,
        List.of(
            new Step.SetTraffic(Map.of(Side.NEW, 100)),
            new Step.EnsureReady(Side.NEW, replicas, minReady),
            new Step.StopOthers(Set.of(Side.NEW))),
        Plan.NOT_PROMOTABLE,
        List.of());
  }

  /**
   * Abort: the previous release back at full strength before traffic moves to it, then everything
   * else stops. Without a previous release, everything stops.
   */
  static List<Step> revert(int replicas, boolean hasPrevious) {
    if (!hasPrevious) {
      return List.of(new Step.SetTraffic(Map.of()), new Step.StopOthers(Set.of()));
    }
    return List.of(
        new Step.EnsureReady(Side.OLD, replicas, 0),
        new Step.SetTraffic(Map.of(Side.OLD, 100)),
        new Step.StopOthers(Set.of(Side.OLD)));
  }

  /**
   * The finishing steps with a bake: after the switch to new (all traffic), the bake's analysis
   * runs while old is still at full strength, before old scales down.
   */
  static List<Step> finish(int replicas, int oldDelaySeconds, Guards guards) {
    List<Step> finish = new java.util.ArrayList<>(finish(replicas, oldDelaySeconds));
    if (guards.bakeStep() != null) {
      finish.add(2, guards.bakeStep());
    }
    return finish;
  }

  /**
   * The steps that complete a rollout to the new release; promote-full jumps here. Public for
   * strategies of other jars that end the way the built-ins do.
   */
  public static List<Step> finish(int replicas, int oldDelaySeconds) {
    return List.of(
        new Step.EnsureReady(Side.NEW, replicas, 0),
        new Step.SetTraffic(Map.of(Side.NEW, 100)),
        new Step.ScaleDown(Side.OLD, 0, oldDelaySeconds),
        new Step.StopOthers(oldDelaySeconds > 0 ? Set.of(Side.NEW, Side.OLD) : Set.of(Side.NEW)));
  }
}
