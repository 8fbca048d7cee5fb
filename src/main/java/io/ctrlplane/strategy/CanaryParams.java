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
public record CanaryParams(List<CanaryStep> steps) implements StrategyParams {
  static final String STEPS = "steps";
  static final List<String> KEYS = List.of(STEPS);

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

  static CanaryParams read(ParamReader in) {
    Object steps = in.value(STEPS);
    if (steps == null) {
      return new CanaryParams(DEFAULT_STEPS);
    }
    List<CanaryStep> read = CanarySteps.read(steps, in.path(STEPS), in);
    return in.hasProblems() ? null : new CanaryParams(read);
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(STEPS, steps.stream().map(CanaryStep::toMap).toList());
    return out;
  }
}
