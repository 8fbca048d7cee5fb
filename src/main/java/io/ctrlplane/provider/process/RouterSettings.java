package io.ctrlplane.provider.process;

import io.ctrlplane.deploy.FieldError;
import java.util.List;

/**
 * The checks of the settings every agent-routed provider shares (process and container): the router
 * port, the health path, the drain and grace timeouts. One place, so both answer a bad value alike.
 */
public final class RouterSettings {
  /** The longest drain or grace timeout accepted. */
  public static final long MAX_TIMEOUT_MS = 600_000;

  private RouterSettings() {}

  /** {@code router_port}: required, 1..65535. */
  public static void routerPort(Object v, String field, List<FieldError> errors) {
    if (!(v instanceof Integer p) || p < 1 || p > 65535) {
      errors.add(
          new FieldError(
              field,
              "is required: the TCP port (1..65535) the routers listen on for this instance"));
    }
  }

  /** {@code health_path}: optional, a path starting with '/', no spaces or fragment. */
  public static void healthPath(Object v, String field, List<FieldError> errors) {
    if (v != null
        && !(v instanceof String h
            && h.startsWith("/")
            && h.length() <= 1024
            && h.chars().noneMatch(c -> c <= ' ' || c == '#'))) {
      errors.add(
          new FieldError(
              field, "must be a path starting with '/', without spaces, e.g. \"/health\""));
    }
  }

  /** A timeout in whole milliseconds, 0..{@link #MAX_TIMEOUT_MS}; optional. */
  public static void millis(Object v, String field, List<FieldError> errors) {
    if (v != null
        && (!(v instanceof Integer || v instanceof Long)
            || ((Number) v).longValue() < 0
            || ((Number) v).longValue() > MAX_TIMEOUT_MS)) {
      errors.add(
          new FieldError(
              field, "must be a whole number of milliseconds from 0 to " + MAX_TIMEOUT_MS));
    }
  }
}
