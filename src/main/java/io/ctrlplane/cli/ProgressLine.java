package io.ctrlplane.cli;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;

/**
 * One line for a deployment's state, as {@code --watch} and {@code status} show it:
 *
 * <pre>
 * running  step 3/7  rolling_out  v3 80% → v4 20%  ready v3 3 · v4 1  12s  ensure 2 ready replicas of new
 * </pre>
 */
final class ProgressLine {
  private ProgressLine() {}

  static String of(JsonObject d, Instant now) {
    StringBuilder line = new StringBuilder(d.getString("state"));
    JsonObject p = d.getJsonObject("progress");
    String oldV = version(d.getJsonObject("previous_release"));
    String newV = version(d.getJsonObject("release"));
    if (p != null && p.containsKey("step")) {
      line.append("  step ")
          .append(p.getValue("step"))
          .append('/')
          .append(p.getValue("steps"))
          .append("  ")
          .append(p.getString("phase", ""));
      JsonObject traffic = p.getJsonObject("traffic");
      if (traffic != null) {
        line.append("  ");
        if (oldV != null) {
          line.append(oldV).append(' ').append(traffic.getInteger("old", 0)).append("% → ");
        }
        line.append(newV).append(' ').append(traffic.getInteger("new", 0)).append('%');
      }
      JsonObject ready = p.getJsonObject("ready");
      if (ready != null) {
        line.append("  ready ");
        if (oldV != null) {
          line.append(oldV).append(' ').append(ready.getInteger("old", 0)).append(" · ");
        }
        line.append(newV).append(' ').append(ready.getInteger("new", 0));
      }
    }
    line.append("  ").append(elapsed(d, now));
    if (d.getString("error") != null) {
      line.append("  error: ").append(d.getString("error").lines().findFirst().orElse(""));
    } else if (p != null && p.getString("message") != null && !terminal(d)) {
      line.append("  ").append(p.getString("message").lines().findFirst().orElse(""));
    }
    return line.toString();
  }

  static boolean terminal(JsonObject d) {
    String s = d.getString("state");
    return !"pending".equals(s) && !"running".equals(s);
  }

  private static String version(JsonObject release) {
    return release == null ? null : "v" + release.getValue("version");
  }

  private static String elapsed(JsonObject d, Instant now) {
    String started = d.getString("started_at", d.getString("created_at"));
    String finished = d.getString("finished_at");
    if (started == null) {
      return "0s";
    }
    Duration took =
        Duration.between(Instant.parse(started), finished != null ? Instant.parse(finished) : now);
    long s = Math.max(0, took.toSeconds());
    return s < 60 ? s + "s" : s / 60 + "m" + String.format("%02d", s % 60) + "s";
  }
}
