package io.ctrlplane.strategy;

import java.util.Locale;

/**
 * Which release a step acts on. Plans name sides, not release ids, so the same plan shape is
 * unit-testable and reads the same for every deployment; the runner maps OLD to the release the
 * instance ran when the deployment started and NEW to the release being deployed.
 */
public enum Side {
  OLD,
  NEW;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Side fromWire(String wire) {
    return valueOf(wire.toUpperCase(Locale.ROOT));
  }
}
