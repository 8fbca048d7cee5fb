package io.ctrlplane.deploy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A blocking hook of an instance: at {@code on} (before the rollout, before traffic moves fully to
 * the new release, after the rollout) Ctrl Plane POSTs the deployment to {@code url}, signed with
 * {@code secret} when one is set, and waits: a 2xx passes; anything else, after {@code retries}
 * more attempts of at most {@code timeoutMs} each, fails the deployment and reverts it.
 */
public record Hook(String on, String url, int timeoutMs, int retries, String secret) {
  public static final String PRE_ROLLOUT = "pre_rollout";
  public static final String PRE_PROMOTION = "pre_promotion";
  public static final String POST_ROLLOUT = "post_rollout";
  public static final Set<String> POINTS = Set.of(PRE_ROLLOUT, PRE_PROMOTION, POST_ROLLOUT);
  public static final int MAX_HOOKS = 10;
  static final Set<String> FIELDS = Set.of("on", "url", "timeout_ms", "retries", "secret");

  /**
   * The hooks of a request ({@code hooks}: a list of maps, as decoded JSON), or a
   * ValidationException naming every bad field ({@code hooks[1].url}).
   */
  public static List<Hook> parseAll(Object value, String field) {
    if (value == null) {
      return List.of();
    }
    List<FieldError> errors = new ArrayList<>();
    List<Hook> hooks = new ArrayList<>();
    if (!(value instanceof List<?> list)) {
      throw new ValidationException(
          field, "must be an array of hooks {on, url, timeout_ms, retries}");
    }
    if (list.size() > MAX_HOOKS) {
      throw new ValidationException(field, "must contain at most " + MAX_HOOKS + " hooks");
    }
    for (int i = 0; i < list.size(); i++) {
      Hook h = parse(list.get(i), field + "[" + i + "]", errors);
      if (h != null) {
        hooks.add(h);
      }
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return hooks;
  }

  private static Hook parse(Object raw, String path, List<FieldError> errors) {
    if (!(raw instanceof Map<?, ?> m)) {
      errors.add(new FieldError(path, "must be an object {on, url, timeout_ms, retries}"));
      return null;
    }
    int before = errors.size();
    m.keySet().stream()
        .map(String::valueOf)
        .filter(k -> !FIELDS.contains(k))
        .sorted()
        .forEach(
            k ->
                errors.add(
                    new FieldError(
                        path + "." + k,
                        "unknown field; expected some of " + new TreeSet<>(FIELDS))));
    Object on = m.get("on");
    if (!(on instanceof String s) || !POINTS.contains(s)) {
      errors.add(new FieldError(path + ".on", "must be one of " + new TreeSet<>(POINTS)));
    }
    String url = m.get("url") instanceof String u ? u.trim() : null;
    if (url == null || !httpUrl(url)) {
      errors.add(new FieldError(path + ".url", "must be an http:// or https:// URL with a host"));
    }
    int timeout = whole(m.get("timeout_ms"), 5_000, 100, 60_000, path + ".timeout_ms", errors);
    int retries = whole(m.get("retries"), 0, 0, 10, path + ".retries", errors);
    Object secret = m.get("secret");
    if (secret != null && (!(secret instanceof String s) || s.length() < 16 || s.length() > 256)) {
      errors.add(new FieldError(path + ".secret", "must be a string of 16 to 256 characters"));
    }
    return errors.size() > before
        ? null
        : new Hook((String) on, url, timeout, retries, (String) secret);
  }

  private static boolean httpUrl(String url) {
    try {
      URI uri = new URI(url);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null
          && url.length() <= 2048;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static int whole(
      Object v, int fallback, int min, int max, String field, List<FieldError> errors) {
    if (v == null) {
      return fallback;
    }
    if (v instanceof Number n
        && !(v instanceof Double || v instanceof Float)
        && n.longValue() >= min
        && n.longValue() <= max) {
      return n.intValue();
    }
    errors.add(new FieldError(field, "must be a whole number from " + min + " to " + max));
    return fallback;
  }

  /** The stored form (JSON-ready map), secret included: only the instance row keeps it. */
  public Map<String, Object> toMap() {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("on", on);
    out.put("url", url);
    out.put("timeout_ms", timeoutMs);
    out.put("retries", retries);
    if (secret != null) {
      out.put("secret", secret);
    }
    return out;
  }
}
