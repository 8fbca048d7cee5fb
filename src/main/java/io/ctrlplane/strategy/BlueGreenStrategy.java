package io.ctrlplane.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Blue-green: a full set of new replicas beside the old one, all traffic switched at once when
 * every new replica is ready (or when promoted, with auto_promote false). The old set is not
 * stopped at the switch but scheduled to stop after scale_down_delay_seconds: until then a rollback
 * finds it still running and ready, so going back is a traffic switch, not a restart.
 */
public final class BlueGreenStrategy implements Strategy<BlueGreenParams> {
  @Override
  public String name() {
    return Strategies.BLUE_GREEN;
  }

  @Override
  public List<String> paramNames() {
    return BlueGreenParams.KEYS;
  }

  @Override
  public BlueGreenParams readParams(ParamReader in) {
    return BlueGreenParams.read(in);
  }

  @Override
  public Plan plan(RolloutSpec<BlueGreenParams> spec) {
    int n = spec.replicas();
    BlueGreenParams p = spec.params();
    int delay = p.scaleDownDelaySeconds();
    List<Step> steps = new ArrayList<>();
    // pin traffic first: after a rolling deployment traffic follows readiness, and the new set must
    // receive nothing before the switch
    steps.add(new Step.SetTraffic(Map.of(Side.OLD, 100)));
    steps.add(new Step.EnsureReady(Side.NEW, n, 0));
    if (p.prePromotion() != null) {
      // against the preview: the new set serves only what is sent to it as preview traffic
      steps.add(new Step.Analysis(p.prePromotion()));
    }
    if (p.requireApproval()) {
      // before the switch (after the pre-promotion analysis, so an approver sees its evidence):
      // nothing reaches the new set until a second key approves
      steps.add(new Step.Approval(p.approvalTimeoutSeconds()));
    }
    List<Step> finish = new ArrayList<>(Plans.finish(n, delay));
    // after the switch the old set is still at full strength until these end: a failure of either
    // moves traffic straight back to it
    List<Step> afterSwitch = new ArrayList<>();
    if (p.postPromotion() != null) {
      afterSwitch.add(new Step.Analysis(p.postPromotion()));
    }
    if (p.guards().bakeStep() != null) {
      afterSwitch.add(p.guards().bakeStep());
    }
    finish.addAll(2, afterSwitch);
    int finishFrom = Plan.NOT_PROMOTABLE;
    if (!p.autoPromote()) {
      steps.add(new Step.Pause(null));
      finishFrom = steps.size();
      // the finishing steps start by re-checking readiness: a full promote may arrive before it
      steps.addAll(finish);
    } else {
      steps.addAll(finish.subList(1, finish.size()));
    }
    return new Plan(name(), n, steps, finishFrom, List.of());
  }
}
