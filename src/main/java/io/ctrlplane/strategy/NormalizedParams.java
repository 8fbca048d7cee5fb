package io.ctrlplane.strategy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A deployment's {@code strategy_params} after the gate: the strategy's own parameters and the
 * common {@code progress_deadline_seconds}, every one of them set.
 *
 * @param strategy the strategy's name
 * @param params the strategy's own parameters
 * @param progressDeadlineSeconds how long a deployment may go without progress before it fails
 */
public record NormalizedParams(
    String strategy, StrategyParams params, int progressDeadlineSeconds) {

  /** The stored and echoed form: the strategy's parameters, then progress_deadline_seconds. */
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>(params.toMap());
    out.put(Strategies.PROGRESS_DEADLINE_SECONDS, progressDeadlineSeconds);
    return out;
  }
}
