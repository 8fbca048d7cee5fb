package io.ctrlplane.strategy;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The analyses a strategy may run beside its own steps.
 *
 * <ul>
 *   <li>{@code background_analysis} (rolling, canary): measured from the moment the first new
 *       replica serves until the rollout ends; one failure too many fails (and reverts) the rollout
 *       at once, whatever step it is at.
 *   <li>{@code bake_seconds} (0..3600) with {@code bake_analysis} (any strategy): once the new
 *       release has all the traffic, the old release's replicas stay warm while each metric is
 *       measured for that long; a failure moves traffic straight back to them. Without {@code
 *       bake_analysis} the strategy's own analysis is baked (see each strategy's fallbacks).
 * </ul>
 *
 * @param background null when none
 * @param bakeSeconds 0 for no bake
 * @param bakeAnalysis the spec as given or inherited; null when there is no bake
 */
public record Guards(AnalysisSpec background, int bakeSeconds, AnalysisSpec bakeAnalysis) {
  static final String BACKGROUND_ANALYSIS = "background_analysis";
  static final String BAKE_SECONDS = "bake_seconds";
  static final String BAKE_ANALYSIS = "bake_analysis";
  static final List<String> BAKE_KEYS = List.of(BAKE_SECONDS, BAKE_ANALYSIS);
  static final List<String> ALL_KEYS = List.of(BACKGROUND_ANALYSIS, BAKE_SECONDS, BAKE_ANALYSIS);

  public static final Guards NONE = new Guards(null, 0, null);

  /**
   * Reads the guards; null after reporting problems.
   *
   * @param background whether {@code background_analysis} is a parameter of the strategy
   * @param inherited the strategy's own analyses, most fitting first: the first one with a metric a
   *     bake can measure is baked when {@code bake_analysis} is not given
   */
  static Guards read(ParamReader in, boolean background, List<AnalysisSpec> inherited) {
    AnalysisSpec bg = background ? optionalSpec(in, BACKGROUND_ANALYSIS) : null;
    Integer bake = in.optionalWhole(BAKE_SECONDS, 0, 3600, 0);
    AnalysisSpec bakeAnalysis = optionalSpec(in, BAKE_ANALYSIS);
    if (in.hasProblems()) {
      return null;
    }
    if (bake == 0) {
      return bg == null ? NONE : new Guards(bg, 0, null);
    }
    if (bakeAnalysis == null) {
      List<AnalysisSpec> candidates = new java.util.ArrayList<>(inherited);
      if (bg != null) {
        candidates.add(bg);
      }
      bakeAnalysis =
          candidates.stream()
              .filter(Objects::nonNull)
              .filter(s -> !s.forBake(bake).metrics().isEmpty())
              .findFirst()
              .orElse(null);
      if (bakeAnalysis == null && candidates.stream().noneMatch(Objects::nonNull)) {
        // a bake without measurements could never catch anything
        in.report(
            in.path(BAKE_SECONDS),
            "needs an analysis to run during the bake: give bake_analysis"
                + (inherited.isEmpty() && !background ? "" : " or an analysis of the strategy"));
        return null;
      }
    }
    if (bakeAnalysis == null || bakeAnalysis.forBake(bake).metrics().isEmpty()) {
      in.report(
          in.path(BAKE_SECONDS),
          "needs a metric without a baseline comparison: the old release serves nothing in a bake");
      return null;
    }
    return new Guards(bg, bake, bakeAnalysis);
  }

  static AnalysisSpec optionalSpec(ParamReader in, String key) {
    return in.value(key) == null ? null : AnalysisSpecs.read(in.value(key), in.path(key), in);
  }

  /** The bake's analysis step, or null without a bake. */
  public Step.Analysis bakeStep() {
    return bakeSeconds > 0 ? new Step.Analysis(bakeAnalysis.forBake(bakeSeconds)) : null;
  }

  /** The background analysis as the plan runs it, starting at step {@code from}; null if none. */
  Plan.Background backgroundFrom(int from) {
    return background == null ? null : new Plan.Background(background.forBackground(), from);
  }

  void putInto(Map<String, Object> out) {
    if (background != null) {
      out.put(BACKGROUND_ANALYSIS, background.toMap());
    }
    if (bakeSeconds > 0) {
      out.put(BAKE_SECONDS, bakeSeconds);
      out.put(BAKE_ANALYSIS, bakeAnalysis.toMap());
    }
  }
}
