package io.ctrlplane.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Puts an instance's blocking hooks into a plan: {@code pre_rollout} before the first step, {@code
 * pre_promotion} before traffic moves fully to the new release (the first step that sets it to 100
 * % new; else before the last step), {@code post_rollout} after the last step. The finishing steps
 * a full promote jumps to still begin at the same step, with a pre_promotion hook inserted there
 * among them, so a promote never skips it.
 */
public final class HookSteps {
  private HookSteps() {}

  /**
   * {@code points}: the {@code on} of each hook, in the instance's order (its index is the hook's).
   */
  public static Plan wrap(Plan plan, List<String> points) {
    if (points.isEmpty()) {
      return plan;
    }
    List<Step> steps = new ArrayList<>(plan.steps());
    int finishFrom = plan.finishFrom();
    int promotion = promotionIndex(steps);
    List<Step> pre = new ArrayList<>();
    List<Step> atPromotion = new ArrayList<>();
    List<Step> post = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      Step.Hook hook = new Step.Hook(points.get(i), i);
      switch (points.get(i)) {
        case "pre_rollout" -> pre.add(hook);
        case "pre_promotion" -> atPromotion.add(hook);
        default -> post.add(hook);
      }
    }
    steps.addAll(promotion, atPromotion);
    if (finishFrom != Plan.NOT_PROMOTABLE && promotion < finishFrom) {
      finishFrom += atPromotion.size();
    }
    steps.addAll(post);
    steps.addAll(0, pre);
    if (finishFrom != Plan.NOT_PROMOTABLE) {
      finishFrom += pre.size();
    }
    return new Plan(plan.strategy(), plan.replicas(), steps, finishFrom, plan.revert());
  }

  /** The plan with the release phase first (before any replica of the new release starts). */
  public static Plan withReleasePhase(Plan plan) {
    List<Step> steps = new ArrayList<>(plan.steps());
    steps.add(0, new Step.ReleasePhase());
    int finishFrom = plan.finishFrom();
    if (finishFrom != Plan.NOT_PROMOTABLE) {
      finishFrom += 1;
    }
    return new Plan(plan.strategy(), plan.replicas(), steps, finishFrom, plan.revert());
  }

  private static int promotionIndex(List<Step> steps) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i) instanceof Step.SetTraffic t && t.weights().equals(Map.of(Side.NEW, 100))) {
        return i;
      }
    }
    return Math.max(0, steps.size() - 1);
  }
}
