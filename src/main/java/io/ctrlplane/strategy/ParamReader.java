package io.ctrlplane.strategy;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;

/**
 * Reads named settings out of one JSON object (the top-level params, a pause, an analysis),
 * prefixing every reported field with that object's path.
 *
 * <p>A JSON {@code null} counts as leaving the key out: the setting gets its default, or is
 * reported as required. Clients that serialize unset fields as null then need no special casing.
 */
final class ParamReader {
  private final JsonObject source;
  private final String path;
  private final Problems problems;

  ParamReader(JsonObject source, String path, Problems problems) {
    this.source = source;
    this.path = path;
    this.problems = problems;
  }

  String path() {
    return path;
  }

  String path(String key) {
    return path + "." + key;
  }

  Problems problems() {
    return problems;
  }

  /**
   * The raw value, or null when absent or JSON null; maps and lists come back as
   * JsonObject/JsonArray.
   */
  Object value(String key) {
    return source.getValue(key);
  }

  /** Reports each key not in {@code known}, e.g. what = "parameter for strategy rolling". */
  void rejectUnknownKeys(List<String> known, String what) {
    for (String key : source.fieldNames()) {
      if (!known.contains(key)) {
        problems.add(path(key), "unknown " + what + "; known: " + String.join(", ", known));
      }
    }
  }

  /** A whole number in [min, max]; {@code fallback} (possibly null) when the key is absent. */
  Integer optionalWhole(String key, int min, int max, Integer fallback) {
    Object value = value(key);
    return value == null ? fallback : JsonValues.wholeNumber(value, min, max, path(key), problems);
  }

  Integer requiredWhole(String key, int min, int max) {
    Object value = value(key);
    if (value == null) {
      problems.add(path(key), "is required");
      return null;
    }
    return JsonValues.wholeNumber(value, min, max, path(key), problems);
  }

  Double requiredNumber(String key, BigDecimal min, BigDecimal max) {
    Object value = value(key);
    if (value == null) {
      problems.add(path(key), "is required");
      return null;
    }
    return JsonValues.number(value, min, max, path(key), problems);
  }

  // fallback is boxed on purpose: with a primitive, the ternary would unbox bool()'s null and
  // throw.
  Boolean optionalBool(String key, Boolean fallback) {
    Object value = value(key);
    return value == null ? fallback : JsonValues.bool(value, path(key), problems);
  }
}
