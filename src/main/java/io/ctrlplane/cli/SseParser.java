package io.ctrlplane.cli;

/**
 * Reads a {@code text/event-stream} line by line (the subset Ctrl Plane sends: {@code id}, {@code
 * event}, {@code data} fields and comments). Multi-line data is joined with newlines, as the SSE
 * spec says.
 */
public final class SseParser {
  /** An event, or a comment ({@link #comment()}: type null, the text in data). */
  public record Event(String id, String type, String data) {
    public boolean comment() {
      return type == null;
    }
  }

  private String id;
  private String type;
  private StringBuilder data;

  /**
   * Feeds one line without its line ending; returns the event or comment it completes, else null.
   */
  public Event line(String line) {
    if (line.isEmpty()) {
      return dispatch();
    }
    if (line.startsWith(":")) {
      return new Event(null, null, line.substring(1).strip());
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "id" -> id = value;
      case "event" -> type = value;
      case "data" ->
          data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      default -> {} // retry and unknown fields: ignored
    }
    return null;
  }

  private Event dispatch() {
    Event event =
        data == null ? null : new Event(id, type == null ? "message" : type, data.toString());
    type = null;
    data = null;
    return event; // the id stays: SSE's last event id carries over
  }
}
