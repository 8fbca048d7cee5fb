package io.ctrlplane.cli;

import java.time.Duration;
import java.time.Instant;

/** "5s", "3m", "2h", "4d": how long ago an RFC 3339 time was. */
final class Age {
  private Age() {}

  static String since(String time, Instant now) {
    if (time == null) {
      return null;
    }
    long s = Math.max(0, Duration.between(Instant.parse(time), now).toSeconds());
    return s < 60
        ? s + "s"
        : s < 3600 ? s / 60 + "m" : s < 86_400 ? s / 3600 + "h" : s / 86_400 + "d";
  }
}
