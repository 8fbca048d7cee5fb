package io.ctrlplane.deploy;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules of a freeze request, plain Java: each broken rule is a {@link FieldError} naming its
 * field, all reported at once.
 */
public final class FreezeRules {
  static final int MAX_REASON = 1024;
  private static final Pattern HH_MM = Pattern.compile("([01][0-9]|2[0-3]):([0-5][0-9])");
  private static final Map<String, DayOfWeek> DAYS =
      Map.of(
          "mon", DayOfWeek.MONDAY,
          "tue", DayOfWeek.TUESDAY,
          "wed", DayOfWeek.WEDNESDAY,
          "thu", DayOfWeek.THURSDAY,
          "fri", DayOfWeek.FRIDAY,
          "sat", DayOfWeek.SATURDAY,
          "sun", DayOfWeek.SUNDAY);

  private FreezeRules() {}

  /** The three-letter name of a day, as requests and responses spell it. */
  public static String wire(DayOfWeek day) {
    return day.name().substring(0, 3).toLowerCase(java.util.Locale.ROOT);
  }

  /** "HH:MM" of a minute of the day. */
  public static String wire(int minute) {
    return String.format("%02d:%02d", minute / 60, minute % 60);
  }

  /** A reason is required: a freeze nobody can explain is not one to keep. */
  public static void validateReason(String field, String reason, List<FieldError> errors) {
    if (reason == null || reason.isBlank()) {
      errors.add(new FieldError(field, "is required: say why"));
    } else if (reason.length() > MAX_REASON) {
      errors.add(new FieldError(field, "must be at most " + MAX_REASON + " characters"));
    }
  }

  /** A range: both ends given, the end after the start and not already past. */
  public static void validateRange(
      Instant startsAt, Instant endsAt, Instant now, List<FieldError> errors) {
    if (startsAt != null && endsAt != null && !endsAt.isAfter(startsAt)) {
      errors.add(new FieldError("ends_at", "must be after starts_at"));
    } else if (endsAt != null && !endsAt.isAfter(now)) {
      errors.add(new FieldError("ends_at", "is already past"));
    }
  }

  /** A weekly window from its wire form, or null with the errors added. */
  public static Freeze.Weekly weekly(
      List<?> days, Object from, Object to, Object timeZone, List<FieldError> errors) {
    int before = errors.size();
    Set<DayOfWeek> parsed = EnumSet.noneOf(DayOfWeek.class);
    if (days == null || days.isEmpty()) {
      errors.add(new FieldError("weekly.days", "must be a non-empty array of " + dayNames()));
    } else {
      for (int i = 0; i < days.size(); i++) {
        DayOfWeek d = days.get(i) instanceof String s ? DAYS.get(s) : null;
        if (d == null) {
          errors.add(new FieldError("weekly.days[" + i + "]", "must be one of " + dayNames()));
        } else {
          parsed.add(d);
        }
      }
    }
    int fromMinute = minute("weekly.from", from, errors);
    int toMinute = minute("weekly.to", to, errors);
    ZoneId zone = null;
    try {
      zone = timeZone instanceof String s ? ZoneId.of(s) : null;
    } catch (DateTimeException e) {
      zone = null;
    }
    if (zone == null) {
      errors.add(
          new FieldError("weekly.time_zone", "must be an IANA time zone, e.g. Europe/Berlin"));
    }
    return errors.size() > before ? null : new Freeze.Weekly(parsed, fromMinute, toMinute, zone);
  }

  private static int minute(String field, Object value, List<FieldError> errors) {
    Matcher m = value instanceof String s ? HH_MM.matcher(s) : null;
    if (m == null || !m.matches()) {
      errors.add(new FieldError(field, "must be a local time HH:MM from 00:00 to 23:59"));
      return -1;
    }
    return Integer.parseInt(m.group(1)) * 60 + Integer.parseInt(m.group(2));
  }

  private static List<String> dayNames() {
    return new ArrayList<>(List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun"));
  }
}
