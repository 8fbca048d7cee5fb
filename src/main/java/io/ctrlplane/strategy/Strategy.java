package io.ctrlplane.strategy;

/**
 * A deployment strategy: turns what is being deployed into a {@link Plan}. Plain code, no I/O:
 * executing the plan against a provider is the runner's job.
 */
public interface Strategy {
  String name();

  /** The forward plan; {@link Plans#of} adds the revert steps and the first-deploy shortcut. */
  Plan plan(RolloutSpec spec);
}
