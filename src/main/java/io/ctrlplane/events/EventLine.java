package io.ctrlplane.events;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * One readable line per event for {@code ctrlplane events}: time, instance, version, type, state,
 * and the error (or the progress message) when there is one.
 *
 * <pre>
 * 2026-11-27T05:13:08.553Z  checkout        v3    deploy.failed       failed       error: replicas ... failed to start
 * </pre>
 */
public final class EventLine {
  private EventLine() {}

  /** The line, or null when the record is not a deploy event. */
  public static String format(String recordValue) {
    JsonObject event;
    try {
      event = new JsonObject(recordValue);
    } catch (DecodeException e) {
      return null;
    }
    JsonObject data = event.getJsonObject("data");
    if (data == null || event.getString("type") == null) {
      return null;
    }
    StringBuilder line =
        new StringBuilder()
            .append(time(event.getString("time")))
            .append("  ")
            .append(pad(instance(data), 20))
            .append("  ")
            .append(pad("v" + data.getValue("version", "?"), 5))
            .append("  ")
            .append(pad(event.getString("type"), 18))
            .append("  ")
            .append(pad(data.getString("state", "?"), 11));
    String error = data.getString("error");
    JsonObject progress = data.getJsonObject("progress");
    if (error != null) {
      line.append("  error: ").append(oneLine(error));
    } else if (DeployEvent.PROGRESSED.equals(event.getString("type"))
        && progress != null
        && progress.getString("message") != null) {
      line.append("  ").append(oneLine(progress.getString("message")));
    }
    return line.toString().stripTrailing();
  }

  /** Whether the event is about {@code instance} (its id or its name). */
  public static boolean isProgress(String recordValue) {
    try {
      return DeployEvent.PROGRESSED.equals(new JsonObject(recordValue).getString("type"));
    } catch (DecodeException e) {
      return false;
    }
  }

  public static boolean isAbout(String recordValue, String instance) {
    try {
      JsonObject data = new JsonObject(recordValue).getJsonObject("data");
      return data != null
          && (instance.equals(data.getString("instance_id"))
              || instance.equals(data.getString("instance_name")));
    } catch (DecodeException | ClassCastException e) {
      return false;
    }
  }

  private static String instance(JsonObject data) {
    String name = data.getString("instance_name");
    return name != null ? name : String.valueOf(data.getString("instance_id"));
  }

  private static String time(String iso) {
    try {
      return Instant.parse(iso).truncatedTo(ChronoUnit.MILLIS).toString();
    } catch (DateTimeParseException | NullPointerException e) {
      return String.valueOf(iso);
    }
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s+", " ").trim();
  }
}
