package io.ctrlplane.runner;

import java.time.Duration;

/**
 * How long the healer waits before replacing a crashed replica of an instance, by how many times in
 * a row its replicas crashed: the first crash is replaced at once, then the delay doubles from the
 * instance's {@code heal_after_seconds}, capped at {@link #CAP}. A crash more than {@link #RESET}
 * after the last replacement starts the count again. From the third crash in a row the instance is
 * crash looping.
 */
record HealBackoff(int crashes) {
  static final Duration CAP = Duration.ofMinutes(5);
  static final Duration RESET = Duration.ofMinutes(5);
  static final int LOOPING_FROM = 3;

  /** The count after one more crash: reset when the last replacement is older than RESET. */
  static HealBackoff next(int crashesBefore, Duration sinceLastReplacement) {
    if (sinceLastReplacement == null || sinceLastReplacement.compareTo(RESET) > 0) {
      return new HealBackoff(1);
    }
    return new HealBackoff(crashesBefore + 1);
  }

  /** 0 for the first crash, then healAfter, 2 × healAfter, 4 × … up to CAP. */
  Duration delay(int healAfterSeconds) {
    if (crashes <= 1) {
      return Duration.ZERO;
    }
    long seconds = healAfterSeconds;
    for (int i = 2; i < crashes && seconds < CAP.toSeconds(); i++) {
      seconds *= 2;
    }
    return Duration.ofSeconds(Math.min(seconds, CAP.toSeconds()));
  }

  boolean looping() {
    return crashes >= LOOPING_FROM;
  }

  String status() {
    return looping() ? "crash_looping" : "degraded";
  }
}
