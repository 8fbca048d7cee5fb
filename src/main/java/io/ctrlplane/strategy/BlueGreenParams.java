package io.ctrlplane.strategy;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Parameters of the {@code blue-green} strategy: bring up a full new set, switch traffic at once.
 *
 * <ul>
 *   <li>{@code scale_down_delay_seconds} (0..86400, default 30): how long the old set keeps running
 *       after the switch, so in-flight requests drain and a rollback is instant;
 *   <li>{@code auto_promote} (default true): switch as soon as the new set is ready; when false the
 *       deployment waits for an explicit promote.
 * </ul>
 */
final class BlueGreenParams {
  static final String SCALE_DOWN_DELAY_SECONDS = "scale_down_delay_seconds";
  static final String AUTO_PROMOTE = "auto_promote";
  static final List<String> KEYS = List.of(SCALE_DOWN_DELAY_SECONDS, AUTO_PROMOTE);

  private BlueGreenParams() {}

  static void read(ParamReader in, JsonObject out) {
    out.put(SCALE_DOWN_DELAY_SECONDS, in.optionalWhole(SCALE_DOWN_DELAY_SECONDS, 0, 86_400, 30));
    out.put(AUTO_PROMOTE, in.optionalBool(AUTO_PROMOTE, true));
  }
}
