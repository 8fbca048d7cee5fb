package io.ctrlplane.deploy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Rules for an environment-variable map as it arrives from JSON ({@code env}, later {@code
 * secret_env}). Reports every problem in one exception so a client can fix a whole form in a single
 * round trip.
 */
public final class EnvVars {

  static final int MAX_ENTRIES = 256;
  static final int MAX_NAME_LENGTH = 256;
  static final int MAX_VALUE_BYTES = 32 * 1024;

  /**
   * Cap on reported problems, so a map of thousands of broken entries yields a readable response
   * rather than one the size of the request.
   */
  static final int MAX_REPORTED_ERRORS = 100;

  // POSIX portable names: what every shell and container runtime accepts as a variable.
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private EnvVars() {}

  /**
   * @param field prefix for error paths, e.g. {@code "env"} gives {@code "env.BAD-NAME"}
   * @param env the decoded JSON object; {@code null} means "not given" and is valid
   * @throws ValidationException listing every problem found
   */
  public static void validate(String field, Map<String, ?> env) {
    if (env == null) {
      return;
    }
    Errors errors = new Errors(field);
    if (env.size() > MAX_ENTRIES) {
      errors.add(field, "must have at most " + MAX_ENTRIES + " entries (got " + env.size() + ")");
    }
    for (Map.Entry<String, ?> entry : env.entrySet()) {
      checkEntry(field, entry.getKey(), entry.getValue(), errors);
    }
    errors.throwIfAny();
  }

  private static void checkEntry(String field, String name, Object value, Errors errors) {
    if (name == null) {
      errors.add(field, "variable names must not be null");
      return;
    }
    String path = field + "." + name;
    if (name.isEmpty()) {
      errors.add(path, "name must not be empty");
    } else {
      if (name.length() > MAX_NAME_LENGTH) {
        errors.add(
            path,
            "name must be at most " + MAX_NAME_LENGTH + " characters (got " + name.length() + ")");
      }
      if (!NAME.matcher(name).matches()) {
        errors.add(
            path, "name must start with a letter or '_' and contain only letters, digits and '_'");
      }
    }
    if (!(value instanceof String text)) {
      errors.add(path, "value must be a string, not " + jsonKind(value));
      return;
    }
    long bytes = Utf8.length(text);
    if (bytes > MAX_VALUE_BYTES) {
      errors.add(
          path, "value must be at most " + MAX_VALUE_BYTES + " bytes in UTF-8 (got " + bytes + ")");
    }
    // PostgreSQL text and jsonb cannot store U+0000; rejecting it here turns a database
    // error (a 500) into a 400 the client can act on.
    if (text.indexOf('\0') >= 0) {
      errors.add(path, "value must not contain NUL (U+0000) characters");
    }
  }

  // Names the JSON type the client sent, which is more useful to them than a Java class name.
  private static String jsonKind(Object value) {
    if (value == null) {
      return "null";
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
    if (value instanceof Collection || value.getClass().isArray()) {
      return "an array";
    }
    return "a " + value.getClass().getSimpleName();
  }

  /** Collects field errors up to {@link #MAX_REPORTED_ERRORS}, counting the rest. */
  private static final class Errors {
    private final String field;
    private final List<FieldError> list = new ArrayList<>();
    private int dropped;

    Errors(String field) {
      this.field = field;
    }

    void add(String path, String message) {
      if (list.size() < MAX_REPORTED_ERRORS) {
        list.add(new FieldError(path, message));
      } else {
        dropped++;
      }
    }

    void throwIfAny() {
      if (list.isEmpty()) {
        return;
      }
      List<FieldError> all = new ArrayList<>(list);
      if (dropped > 0) {
        all.add(new FieldError(field, dropped + " more problems not listed"));
      }
      throw new ValidationException(all);
    }
  }
}
