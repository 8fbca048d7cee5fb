package io.ctrlplane.strategy;

import java.util.List;

/**
 * A deployment strategy: turns what is being deployed into a {@link Plan}. Plain code, no I/O:
 * executing the plan against a provider is the runner's job.
 *
 * <p>Strategies are discovered with {@link java.util.ServiceLoader}: an implementation names itself
 * in {@code META-INF/services/io.ctrlplane.strategy.Strategy} of its jar, and is available as soon
 * as that jar is on the classpath. The four built-in ones register the same way. An implementation
 * must be a public class with a public no-argument constructor, and hold no state: one instance
 * serves every deployment.
 *
 * @param <P> the strategy's own parameters, as {@link #readParams} makes them
 */
public interface Strategy<P extends StrategyParams> {

  /**
   * The name clients ask for in {@code strategy}, e.g. {@code rolling}: lower-case letters, digits
   * and '-', unique among the strategies on the classpath.
   */
  String name();

  /**
   * The names of this strategy's own parameters, in the order an "unknown parameter" problem lists
   * them. {@code progress_deadline_seconds} is common to every strategy and must not be listed.
   */
  List<String> paramNames();

  /**
   * Validates and normalizes this strategy's parameters (unknown keys are already reported): every
   * parameter not given gets its default. Report each problem on {@code in} and return null (or
   * anything: the result is dropped when a problem was reported).
   *
   * <p>Must accept its own normalized output, {@link StrategyParams#toMap()}, unchanged: that is
   * what a runner reads back from the database when it plans the deployment.
   */
  P readParams(ParamReader in);

  /**
   * The forward plan while a release is live; {@link Plans#of} uses the shared first-deploy plan
   * when none is, and adds the revert steps.
   */
  Plan plan(RolloutSpec<P> spec);

  /**
   * How long each new replica must stay ready before it counts, on a first deploy (the shared
   * first-deploy plan waits that long). 0 unless the strategy has such a setting.
   */
  default int firstDeployMinReadySeconds(P params) {
    return 0;
  }
}
