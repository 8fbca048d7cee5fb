package io.ctrlplane.strategy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters of the {@code canary} strategy: a list of {@code steps} run in order. See {@link
 * CanarySteps} for the step forms and their rules.
 *
 * <p>The default shifts 20% of traffic, waits, checks the error rate, goes to 50%, waits, then to
 * 100%.
 *
 * @param steps 1..50 steps
 */
public record CanaryParams(List<CanaryStep> steps, int bakeSeconds, AnalysisSpec bakeAnalysis)
    implements StrategyParams {
  static final String STEPS = "steps";
  static final String BAKE_SECONDS = "bake_seconds";
  static final String BAKE_ANALYSIS = "bake_analysis";
  static final List<String> KEYS = List.of(STEPS, BAKE_SECONDS, BAKE_ANALYSIS);

  static final List<CanaryStep> DEFAULT_STEPS =
      List.of(
          new CanaryStep.SetWeight(20),
          new CanaryStep.Pause(30),
          new CanaryStep.Analysis(0.05, 30),
          new CanaryStep.SetWeight(50),
          new CanaryStep.Pause(30),
          new CanaryStep.SetWeight(100));

  public CanaryParams {
    steps = List.copyOf(steps);
  }

  /** Steps without a bake. */
  public CanaryParams(List<CanaryStep> steps) {
    this(steps, 0, null);
  }

  static CanaryParams read(ParamReader in) {
    Object steps = in.value(STEPS);
    List<CanaryStep> read =
        steps == null ? DEFAULT_STEPS : CanarySteps.read(steps, in.path(STEPS), in);
    Integer bake = in.optionalWhole(BAKE_SECONDS, 0, 3600, 0);
    AnalysisSpec bakeAnalysis =
        in.value(BAKE_ANALYSIS) == null
            ? null
            : AnalysisSpecs.read(in.value(BAKE_ANALYSIS), in.path(BAKE_ANALYSIS), in);
    if (in.hasProblems()) {
      return null;
    }
    if (bake > 0 && bakeAnalysis == null) {
      bakeAnalysis =
          read.stream()
              .filter(s -> s instanceof CanaryStep.Analysis)
              .map(s -> ((CanaryStep.Analysis) s).spec())
              .reduce((first, second) -> second)
              .orElse(null);
      if (bakeAnalysis == null) {
        // a bake without measurements could never catch anything
        in.report(
            in.path(BAKE_SECONDS),
            "needs an analysis to run during the bake: give bake_analysis or an analysis step");
        return null;
      }
    }
    if (bake > 0 && bakeAnalysis.forBake(bake).metrics().isEmpty()) {
      in.report(
          in.path(BAKE_SECONDS),
          "needs a metric without a baseline comparison: the old release serves nothing in a bake");
      return null;
    }
    return new CanaryParams(read, bake, bakeAnalysis);
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(STEPS, steps.stream().map(CanaryStep::toMap).toList());
    if (bakeSeconds > 0) {
      out.put(BAKE_SECONDS, bakeSeconds);
      out.put(BAKE_ANALYSIS, bakeAnalysis.toMap());
    }
    return out;
  }
}
