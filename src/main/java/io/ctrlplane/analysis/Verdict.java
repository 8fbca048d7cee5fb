package io.ctrlplane.analysis;

import java.util.Locale;

/** What one measurement says. Inconclusive is never a pass. */
public enum Verdict {
  SUCCESSFUL,
  FAILED,
  INCONCLUSIVE;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Verdict fromWire(String wire) {
    return valueOf(wire.toUpperCase(Locale.ROOT));
  }
}
