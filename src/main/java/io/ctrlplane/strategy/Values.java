package io.ctrlplane.strategy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Type checks on single parameter values (null, Boolean, Number, String, Map or List, as JSON
 * decodes them; no JSON library is involved here). Each check records a problem at the given path
 * and returns null when the value is unusable; callers only build output once no problem was
 * recorded.
 */
final class Values {
  // Echoing a megabyte of client input back in an error message helps nobody.
  private static final int MAX_ECHO = 40;

  private Values() {}

  /**
   * A whole number in [min, max]. Integral floating values such as {@code 30.0} count as whole, as
   * in JSON Schema's "integer": JSON itself does not distinguish 30 from 30.0.
   */
  static Integer wholeNumber(Object value, int min, int max, String path, Problems problems) {
    BigDecimal exact = decimal(value);
    if (exact == null) {
      problems.add(path, "must be a whole number, not " + describe(value));
      return null;
    }
    if (!isWhole(exact)) {
      problems.add(path, "must be a whole number (got " + value + ")");
      return null;
    }
    if (!inRange(exact, BigDecimal.valueOf(min), BigDecimal.valueOf(max))) {
      problems.add(path, "must be between " + min + " and " + max + " (got " + value + ")");
      return null;
    }
    return exact.intValueExact();
  }

  /** Any finite number in [min, max], returned as a double so consumers see a single type. */
  static Double number(
      Object value, BigDecimal min, BigDecimal max, String path, Problems problems) {
    BigDecimal exact = decimal(value);
    if (exact == null) {
      problems.add(path, "must be a number, not " + describe(value));
      return null;
    }
    if (!inRange(exact, min, max)) {
      problems.add(
          path,
          "must be between "
              + min.toPlainString()
              + " and "
              + max.toPlainString()
              + " (got "
              + value
              + ")");
      return null;
    }
    return exact.doubleValue();
  }

  static Boolean bool(Object value, String path, Problems problems) {
    if (value instanceof Boolean b) {
      return b;
    }
    // No "true"/"yes"/1 coercion: a quoted "false" silently read as true would be worse than a 400.
    problems.add(path, "must be true or false, not " + describe(value));
    return null;
  }

  /**
   * The exact value of a JSON number, or null when the value is not a finite number. Going through
   * BigDecimal lets one range check serve Integer, Long, BigInteger and Double alike, without
   * overflow surprises on huge inputs.
   */
  static BigDecimal decimal(Object value) {
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof BigInteger i) {
      return new BigDecimal(i);
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      return Double.isFinite(d) ? BigDecimal.valueOf(d) : null;
    }
    if (value instanceof Number n) {
      return BigDecimal.valueOf(n.longValue());
    }
    return null;
  }

  static boolean isWhole(BigDecimal value) {
    return value.signum() == 0 || value.stripTrailingZeros().scale() <= 0;
  }

  private static boolean inRange(BigDecimal value, BigDecimal min, BigDecimal max) {
    return value.compareTo(min) >= 0 && value.compareTo(max) <= 0;
  }

  /** "a string", "an object", ...: the JSON type, for "must be X, not Y" messages. */
  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof Map) {
      return "an object";
    }
    if (value instanceof List) {
      return "an array";
    }
    return "a " + value.getClass().getSimpleName();
  }

  /** Client text quoted for an error message, shortened when long. */
  static String quote(String text) {
    return text.length() <= MAX_ECHO
        ? "'" + text + "'"
        : "'" + text.substring(0, MAX_ECHO) + "...' (" + text.length() + " characters)";
  }
}
