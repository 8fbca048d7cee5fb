package io.ctrlplane.ops;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The ids a log line carries as structured fields (MDC keys; the JSON log format prints them in its
 * {@code mdc} object). Vert.x runs many deployments and requests on one event-loop thread, so an id
 * is set only around one log call and the previous values are restored right after: nothing leaks
 * into the next line of an unrelated request.
 */
public final class LogIds implements AutoCloseable {
  public static final String DEPLOYMENT_ID = "deployment_id";
  public static final String INSTANCE_ID = "instance_id";
  public static final String REQUEST_ID = "request_id";
  public static final String TENANT = "tenant";
  public static final String ROLE = "role";

  private final Map<String, String> previous = new HashMap<>();

  private LogIds(Map<String, String> ids) {
    ids.forEach(
        (k, v) -> {
          if (v != null) {
            previous.put(k, MDC.get(k));
            MDC.put(k, v);
          }
        });
  }

  /** Sets {@code ids} (null values are skipped) until {@link #close()}. */
  public static LogIds set(Map<String, String> ids) {
    return new LogIds(ids);
  }

  @Override
  public void close() {
    previous.forEach(
        (k, v) -> {
          if (v == null) {
            MDC.remove(k);
          } else {
            MDC.put(k, v);
          }
        });
  }
}
