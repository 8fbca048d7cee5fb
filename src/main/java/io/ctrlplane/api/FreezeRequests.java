package io.ctrlplane.api;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.Freeze;
import io.ctrlplane.deploy.FreezeRules;
import io.ctrlplane.deploy.ValidationException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Freeze requests: the body of {@code POST /v1/freezes} and the {@code override_freeze} a deploy,
 * config release or scale may carry. Every broken rule is reported at once (422 naming the field).
 */
final class FreezeRequests {
  private static final Set<String> FIELDS =
      Set.of("instance_id", "starts_at", "ends_at", "weekly", "reason");
  private static final Set<String> WEEKLY = Set.of("days", "from", "to", "time_zone");

  private FreezeRequests() {}

  /** The normalised freeze: instance_id (or null), starts_at/ends_at or weekly, reason. */
  static JsonObject create(JsonObject in) {
    List<FieldError> errors = new ArrayList<>();
    unknown(in, FIELDS, "", errors);
    Object instance = in.getValue("instance_id");
    if (instance != null && !(instance instanceof String)) {
      errors.add(new FieldError("instance_id", "must be a string"));
    }
    Object reason = in.getValue("reason");
    FreezeRules.validateReason("reason", reason instanceof String s ? s : null, errors);
    JsonObject out =
        new JsonObject()
            .put("instance_id", instance instanceof String s ? s : null)
            .put("reason", reason);
    Object weekly = in.getValue("weekly");
    boolean range = in.containsKey("starts_at") || in.containsKey("ends_at");
    if (weekly != null && range) {
      errors.add(new FieldError("weekly", "give either starts_at and ends_at, or weekly"));
    } else if (weekly != null) {
      weekly(weekly, out, errors);
    } else {
      Instant starts = instant(in, "starts_at", errors);
      Instant ends = instant(in, "ends_at", errors);
      FreezeRules.validateRange(starts, ends, Instant.now(), errors);
      out.put("starts_at", starts == null ? null : starts.toString())
          .put("ends_at", ends == null ? null : ends.toString());
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return out;
  }

  private static void weekly(Object value, JsonObject out, List<FieldError> errors) {
    if (!(value instanceof JsonObject w)) {
      errors.add(new FieldError("weekly", "must be an object {days, from, to, time_zone}"));
      return;
    }
    unknown(w, WEEKLY, "weekly.", errors);
    Object days = w.getValue("days");
    Freeze.Weekly parsed =
        FreezeRules.weekly(
            days instanceof JsonArray a ? a.getList() : null,
            w.getValue("from"),
            w.getValue("to"),
            w.getValue("time_zone"),
            errors);
    if (parsed != null) {
      out.put(
          "weekly",
          new JsonObject()
              .put(
                  "days",
                  new JsonArray(parsed.days().stream().sorted().map(FreezeRules::wire).toList()))
              .put("from", FreezeRules.wire(parsed.fromMinute()))
              .put("to", FreezeRules.wire(parsed.toMinute()))
              .put("time_zone", parsed.zone().getId()));
    }
  }

  /**
   * {@code override_freeze}: {@code {"reason": …}}, or null when absent. Only an admin key may send
   * it (checked by the route, which knows the key's scopes).
   */
  static JsonObject override(Object value, List<FieldError> errors) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject o)) {
      errors.add(new FieldError("override_freeze", "must be an object {reason}"));
      return null;
    }
    unknown(o, Set.of("reason"), "override_freeze.", errors);
    Object reason = o.getValue("reason");
    int before = errors.size();
    FreezeRules.validateReason(
        "override_freeze.reason", reason instanceof String s ? s : null, errors);
    return errors.size() > before ? null : new JsonObject().put("reason", reason);
  }

  private static Instant instant(JsonObject in, String field, List<FieldError> errors) {
    Object v = in.getValue(field);
    if (v == null) {
      errors.add(new FieldError(field, "is required (or give weekly)"));
      return null;
    }
    try {
      return Instant.parse((String) v);
    } catch (ClassCastException | DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse((String) v).toInstant();
      } catch (ClassCastException | DateTimeParseException e2) {
        errors.add(
            new FieldError(field, "must be an RFC 3339 date-time, e.g. 2026-12-24T00:00:00Z"));
        return null;
      }
    }
  }

  private static void unknown(
      JsonObject in, Set<String> known, String prefix, List<FieldError> errors) {
    in.fieldNames().stream()
        .filter(f -> !known.contains(f))
        .sorted()
        .forEach(
            f ->
                errors.add(
                    new FieldError(
                        prefix + f, "unknown field; expected some of " + new TreeSet<>(known))));
  }
}
