package io.ctrlplane.strategy;

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
 */
public record BlueGreenParams(int scaleDownDelaySeconds, boolean autoPromote)
    implements StrategyParams {
  static final String SCALE_DOWN_DELAY_SECONDS = "scale_down_delay_seconds";
  static final String AUTO_PROMOTE = "auto_promote";
  static final List<String> KEYS = List.of(SCALE_DOWN_DELAY_SECONDS, AUTO_PROMOTE);

  static BlueGreenParams read(ParamReader in) {
    Integer delay = in.optionalWhole(SCALE_DOWN_DELAY_SECONDS, 0, 86_400, 30);
    Boolean autoPromote = in.optionalBool(AUTO_PROMOTE, true);
    return delay == null || autoPromote == null ? null : new BlueGreenParams(delay, autoPromote);
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(SCALE_DOWN_DELAY_SECONDS, scaleDownDelaySeconds);
    out.put(AUTO_PROMOTE, autoPromote);
    return out;
  }
}
