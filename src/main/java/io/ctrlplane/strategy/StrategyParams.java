package io.ctrlplane.strategy;

import java.util.Map;

/**
 * A strategy's own parameters after validation: usually a record. {@link #toMap()} is the
 * normalized form stored with the deployment and echoed by the API (rendered to JSON at the edge).
 */
public interface StrategyParams {

  /** For a strategy with no parameters of its own. */
  StrategyParams NONE = Map::of;

  /**
   * Every parameter with its value, in a stable order, as plain Java values (Boolean, Number,
   * String, Map, List). A fresh, modifiable map each call.
   */
  Map<String, Object> toMap();
}
