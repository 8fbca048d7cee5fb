package io.ctrlplane.strategy;

import java.util.ArrayList;
import java.util.Collections;
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
public record CanaryParams(List<CanaryStep> steps, Guards guards) implements StrategyParams {
  static final String STEPS = "steps";
  static final List<String> KEYS =
      List.of(STEPS, Guards.BACKGROUND_ANALYSIS, Guards.BAKE_SECONDS, Guards.BAKE_ANALYSIS);

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

  /** Steps without a bake or a background analysis. */
  public CanaryParams(List<CanaryStep> steps) {
    this(steps, Guards.NONE);
  }

  public int bakeSeconds() {
    return guards.bakeSeconds();
  }

  public AnalysisSpec bakeAnalysis() {
    return guards.bakeAnalysis();
  }

  static CanaryParams read(ParamReader in) {
    Object steps = in.value(STEPS);
    List<CanaryStep> read =
        steps == null ? DEFAULT_STEPS : CanarySteps.read(steps, in.path(STEPS), in);
    if (in.hasProblems()) {
      return null;
    }
    // the bake measures what the last analysis step measured, unless told otherwise
    List<AnalysisSpec> analyses =
        new ArrayList<>(
            read.stream()
                .filter(s -> s instanceof CanaryStep.Analysis)
                .map(s -> ((CanaryStep.Analysis) s).spec())
                .toList());
    Collections.reverse(analyses);
    Guards guards = Guards.read(in, true, analyses);
    return guards == null ? null : new CanaryParams(read, guards);
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(STEPS, steps.stream().map(CanaryStep::toMap).toList());
    guards.putInto(out);
    return out;
  }
}
