package io.ctrlplane.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * A logger bound to the ids of one piece of work (a deployment a runner drives): each line it
 * writes carries them as MDC fields, set for that call only ({@link LogIds}). Same calls as SLF4J's
 * {@link Logger}, so a class switches by changing its field.
 */
public final class IdLogger {
  private final Logger log;
  private final Map<String, String> ids = new LinkedHashMap<>();

  public IdLogger(Logger log, String... keyValues) {
    this.log = log;
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      ids.put(keyValues[i], keyValues[i + 1]);
    }
  }

  /** Adds or replaces an id (e.g. the tenant once the deployment is loaded). */
  public IdLogger with(String key, String value) {
    if (value != null) {
      ids.put(key, value);
    }
    return this;
  }

  public void debug(String format, Object... args) {
    if (log.isDebugEnabled()) {
      try (LogIds ignored = LogIds.set(ids)) {
        log.debug(format, args);
      }
    }
  }

  public void info(String format, Object... args) {
    try (LogIds ignored = LogIds.set(ids)) {
      log.info(format, args);
    }
  }

  public void warn(String format, Object... args) {
    try (LogIds ignored = LogIds.set(ids)) {
      log.warn(format, args);
    }
  }

  public void error(String format, Object... args) {
    try (LogIds ignored = LogIds.set(ids)) {
      log.error(format, args);
    }
  }
}
