package io.ctrlplane.strategy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parameters of the {@code recreate} strategy: only a bake ({@code bake_seconds} with {@code
 * bake_analysis}, which is required then). Recreate stops the old release before the new one
 * starts, so nothing stays warm: a failed bake reverts by starting the old release again.
 */
public record RecreateParams(Guards guards) implements StrategyParams {
  static RecreateParams read(ParamReader in) {
    Guards guards = Guards.read(in, false, java.util.List.of());
    return guards == null ? null : new RecreateParams(guards);
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    guards.putInto(out);
    return out;
  }
}
