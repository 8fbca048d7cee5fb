package io.ctrlplane.strategy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Reads named settings out of one parameter object (the top-level {@code strategy_params}, a canary
 * pause, an analysis), prefixing every reported field with that object's path. This is what a
 * {@link Strategy} reads its own parameters with.
 *
 * <p>The source is a read-only tree of plain Java values as JSON decodes them: null, Boolean,
 * Number, String, {@code Map<String, ?>} and {@code List<?>}. Turning JSON into that tree is the
 * edge's job ({@code io.ctrlplane.strategy.json}); nothing here knows about JSON.
 *
 * <p>A {@code null} value counts as leaving the key out: the setting gets its default, or is
 * reported as required. Clients that serialize unset fields as null then need no special casing.
 *
 * <p>Every method that reads a value reports what is wrong with it (at {@code path.key}) and
 * returns null: keep reading, so the client learns every problem at once, and build the result only
 * when {@link #hasProblems()} is false.
 */
public final class ParamReader {
  private final Map<String, ?> source;
  private final String path;
  private final Problems problems;

  ParamReader(Map<String, ?> source, String path, Problems problems) {
    this.source = source == null ? Map.of() : source;
    this.path = path;
    this.problems = problems;
  }

  /** The path of the object read, e.g. {@code strategy_params}. */
  public String path() {
    return path;
  }

  /** The path of one key, e.g. {@code strategy_params.max_surge}. */
  public String path(String key) {
    return path + "." + key;
  }

  /**
   * The raw value, or null when absent or null: a Boolean, Number, String, {@code Map<String, ?>}
   * or {@code List<?>}.
   */
  public Object value(String key) {
    return source.get(key);
  }

  /** A reader of a nested object, reporting into the same problems at {@code nestedPath}. */
  public ParamReader nested(Map<String, ?> nestedSource, String nestedPath) {
    return new ParamReader(nestedSource, nestedPath, problems);
  }

  /** Records a problem with the field at {@code field} (a full path, see {@link #path(String)}). */
  public void report(String field, String message) {
    problems.add(field, message);
  }

  Problems problems() {
    return problems;
  }

  /** Whether any problem was reported so far (here or by any reader sharing its problems). */
  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  /** Reports each key not in {@code known}, e.g. what = "parameter for strategy rolling". */
  public void rejectUnknownKeys(List<String> known, String what) {
    for (String key : source.keySet()) {
      if (!known.contains(key)) {
        problems.add(path(key), "unknown " + what + "; known: " + String.join(", ", known));
      }
    }
  }

  /** A whole number in [min, max]; {@code fallback} (possibly null) when the key is absent. */
  public Integer optionalWhole(String key, int min, int max, Integer fallback) {
    Object value = value(key);
    return value == null ? fallback : Values.wholeNumber(value, min, max, path(key), problems);
  }

  /** A whole number in [min, max] that must be given. */
  public Integer requiredWhole(String key, int min, int max) {
    Object value = value(key);
    if (value == null) {
      problems.add(path(key), "is required");
      return null;
    }
    return Values.wholeNumber(value, min, max, path(key), problems);
  }

  /** Any number in [min, max] that must be given, as a double. */
  public Double requiredNumber(String key, BigDecimal min, BigDecimal max) {
    Object value = value(key);
    if (value == null) {
      problems.add(path(key), "is required");
      return null;
    }
    return Values.number(value, min, max, path(key), problems);
  }

  /** True or false; {@code fallback} when the key is absent. */
  // fallback is boxed on purpose: with a primitive, the ternary would unbox bool()'s null and
  // throw.
  public Boolean optionalBool(String key, Boolean fallback) {
    Object value = value(key);
    return value == null ? fallback : Values.bool(value, path(key), problems);
  }

  /** "a string", "an object", ...: the type of a raw value, for "must be X, not Y" messages. */
  public static String describe(Object value) {
    return Values.describe(value);
  }
}
