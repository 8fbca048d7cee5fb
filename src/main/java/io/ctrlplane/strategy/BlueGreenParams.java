package io.ctrlplane.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters of the {@code blue-green} strategy: bring up a full new set, switch traffic at once.
 *
 * @param scaleDownDelaySeconds {@code scale_down_delay_seconds} (0..86400, default 30): how long
 *     the old set keeps running after the switch, so in-flight requests drain and a rollback is
 *     instant
 * @param autoPromote {@code auto_promote} (default true): switch as soon as the new set is ready;
 *     when false the deployment waits for an explicit promote
 * @param prePromotion {@code pre_promotion_analysis}: measured against the preview (the new set,
 *     before the switch); null when none
 * @param postPromotion {@code post_promotion_analysis}: measured after the switch while the old set
 *     is still warm; a failure switches back; null when none
 * @param guards {@code bake_seconds} and {@code bake_analysis} (default: the post-promotion
 *     analysis, else the pre-promotion one)
 * @param requireApproval {@code require_approval} (default false): before the switch, wait for a
 *     second key with the {@code approve} scope (a rejection or the timeout fails and reverts)
 * @param approvalTimeoutSeconds {@code approval_timeout_seconds} (1..604800, default 3600)
 */
public record BlueGreenParams(
    int scaleDownDelaySeconds,
    boolean autoPromote,
    AnalysisSpec prePromotion,
    AnalysisSpec postPromotion,
    Guards guards,
    boolean requireApproval,
    int approvalTimeoutSeconds)
    implements StrategyParams {
  static final String SCALE_DOWN_DELAY_SECONDS = "scale_down_delay_seconds";
  static final String AUTO_PROMOTE = "auto_promote";
  static final String PRE_PROMOTION_ANALYSIS = "pre_promotion_analysis";
  static final String POST_PROMOTION_ANALYSIS = "post_promotion_analysis";
  static final String REQUIRE_APPROVAL = "require_approval";
  static final String APPROVAL_TIMEOUT_SECONDS = "approval_timeout_seconds";
  static final List<String> KEYS =
      List.of(
          SCALE_DOWN_DELAY_SECONDS,
          AUTO_PROMOTE,
          PRE_PROMOTION_ANALYSIS,
          POST_PROMOTION_ANALYSIS,
          Guards.BAKE_SECONDS,
          Guards.BAKE_ANALYSIS,
          REQUIRE_APPROVAL,
          APPROVAL_TIMEOUT_SECONDS);

  /** Without analyses or approval. */
  public BlueGreenParams(int scaleDownDelaySeconds, boolean autoPromote) {
    this(
        scaleDownDelaySeconds,
        autoPromote,
        null,
        null,
        Guards.NONE,
        false,
        CanarySteps.DEFAULT_APPROVAL_TIMEOUT);
  }

  static BlueGreenParams read(ParamReader in) {
    Integer delay = in.optionalWhole(SCALE_DOWN_DELAY_SECONDS, 0, 86_400, 30);
    Boolean autoPromote = in.optionalBool(AUTO_PROMOTE, true);
    AnalysisSpec pre = Guards.optionalSpec(in, PRE_PROMOTION_ANALYSIS);
    AnalysisSpec post = Guards.optionalSpec(in, POST_PROMOTION_ANALYSIS);
    Boolean approval = in.optionalBool(REQUIRE_APPROVAL, false);
    Integer timeout =
        in.optionalWhole(
            APPROVAL_TIMEOUT_SECONDS, 1, 604_800, CanarySteps.DEFAULT_APPROVAL_TIMEOUT);
    if (in.hasProblems()
        || delay == null
        || autoPromote == null
        || approval == null
        || timeout == null) {
      return null;
    }
    List<AnalysisSpec> inherited = new ArrayList<>();
    if (post != null) {
      inherited.add(post);
    }
    if (pre != null) {
      inherited.add(pre);
    }
    Guards guards = Guards.read(in, false, inherited);
    return guards == null
        ? null
        : new BlueGreenParams(delay, autoPromote, pre, post, guards, approval, timeout);
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(SCALE_DOWN_DELAY_SECONDS, scaleDownDelaySeconds);
    out.put(AUTO_PROMOTE, autoPromote);
    if (prePromotion != null) {
      out.put(PRE_PROMOTION_ANALYSIS, prePromotion.toMap());
    }
    if (postPromotion != null) {
      out.put(POST_PROMOTION_ANALYSIS, postPromotion.toMap());
    }
    guards.putInto(out);
    if (requireApproval) { // absent when off, so the normal form of older params is unchanged
      out.put(REQUIRE_APPROVAL, true);
      out.put(APPROVAL_TIMEOUT_SECONDS, approvalTimeoutSeconds);
    }
    return out;
  }
}
