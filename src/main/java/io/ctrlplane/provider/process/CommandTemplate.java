package io.ctrlplane.provider.process;

import io.ctrlplane.deploy.ImageReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a command template and a release into the argv of one replica. Placeholders: {@code
 * {image}} (the whole reference), {@code {repository}}, {@code {tag}} (empty when the image has
 * none), {@code {port}} (the port the agent assigned) and {@code {replica_id}}. Anything else in
 * braces is a mistake, caught when the instance is created rather than at 3 a.m. during a deploy.
 */
public final class CommandTemplate {
  static final List<String> PLACEHOLDERS =
      List.of("image", "repository", "tag", "port", "replica_id");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");

  private CommandTemplate() {}

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

  /**
   * The argv for a replica.
   *
   * @throws IllegalArgumentException when an argument is not a valid template (the message says
   *     which)
   */
  public static List<String> render(
      List<String> template, String image, int port, String replicaId) {
    ImageReference ref = ImageReference.parse(image);
    Map<String, String> values =
        Map.of(
            "image",
            image,
            "repository",
            ref.repository(),
            "tag",
            ref.tag() == null ? "" : ref.tag(),
            "port",
            String.valueOf(port),
            "replica_id",
            replicaId);
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < template.size(); i++) {
      String arg = template.get(i);
      String problem = problem(arg);
      if (problem != null) {
        throw new IllegalArgumentException("command[" + i + "] " + problem);
      }
      argv.add(
          PLACEHOLDER
              .matcher(arg)
              .replaceAll(m -> Matcher.quoteReplacement(values.get(m.group(1)))));
    }
    return argv;
  }
}
