package io.ctrlplane.security;

import io.ctrlplane.deploy.ValidationException;
import io.vertx.core.json.JsonArray;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What an API key may do. {@code read}: every GET of deploy data; {@code deploy}: deploy, rollback,
 * cancel, pause/resume/promote and creating instances; {@code admin}: API keys, webhooks, the audit
 * trail, and everything the other two allow. {@code read} and {@code deploy} are independent, so a
 * CI key that deploys and watches its deployment carries both. {@code approve}: approve or reject a
 * deployment waiting at an approval gate (admin grants it too).
 */
public enum Scope {
  READ,
  DEPLOY,
  ADMIN,
  /** Approve or reject a deployment waiting for approval (never one its own key initiated). */
  APPROVE;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether a key holding {@code held} may act where this scope is required. */
  public boolean grantedBy(Set<Scope> held) {
    return held.contains(this) || held.contains(ADMIN);
  }

  public static Scope parse(String wire) {
    for (Scope s : values()) {
      if (s.wire().equals(wire)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown scope '" + wire + "'");
  }

  /**
   * The scopes of a request body: a non-empty array of known names, or a 422 naming {@code field}.
   */
  public static Set<Scope> parseList(Object value, String field) {
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      throw new ValidationException(
          field, "must be a non-empty array, some of [read, deploy, admin, approve]");
    }
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (int i = 0; i < array.size(); i++) {
      Object s = array.getValue(i);
      try {
        scopes.add(parse(s instanceof String str ? str : String.valueOf(s)));
      } catch (IllegalArgumentException e) {
        throw new ValidationException(
            field + "[" + i + "]", "must be one of [read, deploy, admin, approve]");
      }
    }
    return scopes;
  }

  public static String[] toArray(Set<Scope> scopes) {
    return scopes.stream().sorted().map(Scope::wire).toArray(String[]::new);
  }

  public static Set<Scope> fromArray(String[] wires) {
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (String w : wires) {
      scopes.add(parse(w));
    }
    return scopes;
  }
}
