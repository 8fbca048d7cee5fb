package io.ctrlplane.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An instance's {@code release_command}: the argv template of the release phase, run once per
 * release before any replica of it starts. Placeholders: {@code {image}}, {@code {repository}},
 * {@code {tag}} (empty when the image has none), {@code {release_id}} and {@code {version}}.
 */
public final class ReleaseCommand {
  public static final List<String> PLACEHOLDERS =
      List.of("image", "repository", "tag", "release_id", "version");
  public static final int MAX_ARGS = 64;
  public static final int MAX_ARG_LENGTH = 4096;
  public static final int MAX_TIMEOUT_SECONDS = 86_400;
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");

  private ReleaseCommand() {}

  /**
   * The command of a request ({@code null} or absent: none), or a ValidationException naming the
   * bad field ({@code release_command[2]}).
   */
  public static List<String> parse(Object raw, String field) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof List<?> list) || list.isEmpty() || list.size() > MAX_ARGS) {
      throw new ValidationException(
          field,
          "must be a non-empty array of at most "
              + MAX_ARGS
              + " strings (argv), e.g. [\"./migrate\", \"up\"]");
    }
    List<FieldError> errors = new ArrayList<>();
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object a = list.get(i);
      String where = field + "[" + i + "]";
      if (!(a instanceof String arg) || (i == 0 && arg.isBlank())) {
        errors.add(new FieldError(where, "must be a string (the first one non-blank)"));
        continue;
      }
      if (arg.length() > MAX_ARG_LENGTH) {
        errors.add(new FieldError(where, "must be at most " + MAX_ARG_LENGTH + " characters"));
        continue;
      }
      String problem = problem(arg);
      if (problem != null) {
        errors.add(new FieldError(where, problem));
      }
      argv.add(arg);
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return List.copyOf(argv);
  }

  /** The timeout of a request (absent or null: the default), or a ValidationException. */
  public static int timeout(Object raw, String field) {
    if (raw == null) {
      return Instance.DEFAULT_RELEASE_TIMEOUT_SECONDS;
    }
    if (!(raw instanceof Integer || raw instanceof Long)
        || ((Number) raw).longValue() < 1
        || ((Number) raw).longValue() > MAX_TIMEOUT_SECONDS) {
      throw new ValidationException(
          field, "must be a whole number of seconds between 1 and " + MAX_TIMEOUT_SECONDS);
    }
    return ((Number) raw).intValue();
  }

  /** What is wrong with one argument, or null. */
  static String problem(String arg) {
    Matcher m = PLACEHOLDER.matcher(arg);
    while (m.find()) {
      if (!PLACEHOLDERS.contains(m.group(1))) {
        return "unknown placeholder {"
            + m.group(1)
            + "}; known: {"
            + String.join("}, {", PLACEHOLDERS)
            + "}";
      }
    }
    String rest = m.replaceAll("");
    if (rest.indexOf('{') >= 0 || rest.indexOf('}') >= 0) {
      return "has an unbalanced '{' or '}'";
    }
    return null;
  }

  /** The argv for one release (the template passed {@link #parse}). */
  public static List<String> render(
      List<String> template, String image, String releaseId, int version) {
    ImageReference ref = ImageReference.parse(image);
    Map<String, String> values =
        Map.of(
            "image",
            image,
            "repository",
            ref.repository(),
            "tag",
            ref.tag() == null ? "" : ref.tag(),
            "release_id",
            releaseId,
            "version",
            String.valueOf(version));
    List<String> argv = new ArrayList<>();
    for (String arg : template) {
      argv.add(
          PLACEHOLDER
              .matcher(arg)
              .replaceAll(m -> Matcher.quoteReplacement(values.get(m.group(1)))));
    }
    return argv;
  }
}
